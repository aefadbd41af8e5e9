//! See `torch_link.rs`: rpath to the venv's libtorch, libtorch_cuda kept;
//! and the gRPC service's code from `proto/inference.proto`.

#[path = "torch_link.rs"]
mod torch_link;

fn main() {
	torch_link::emit();
	// The Open Inference Protocol's gRPC service (src/grpc.rs); protoc comes
	// from the system (scripts/setup.sh installs protobuf-compiler).
	tonic_prost_build::configure()
		.build_client(false)
		// Raw tensor contents decode as slices of the message's buffer
		// (bytes::Bytes), not copies: an input is kept as it arrived.
		.bytes(".inference.ModelInferRequest.raw_input_contents")
		.compile_protos(&["proto/inference.proto"], &["proto"])
		.expect("compiling proto/inference.proto");
}
