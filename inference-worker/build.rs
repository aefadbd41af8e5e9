//! See `torch_link.rs`: rpath to the venv's libtorch, libtorch_cuda kept.

#[path = "torch_link.rs"]
mod torch_link;

fn main() {
	torch_link::emit();
}
