//! See `torch_link.rs`: rpath to the venv's libtorch, libtorch_cuda kept;
//! the CUDA stream calls of `cuda/streams.cpp`, where libtorch's and CUDA's
//! headers are at hand (cfg `dropbear_cuda_streams`); and the gRPC
//! service's code from `proto/inference.proto`.

#[path = "torch_link.rs"]
mod torch_link;

fn main() {
	// torch's folder is asked of Python once.
	let lib = torch_link::emit();
	cuda_streams(lib.as_deref());
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

/// Compile `cuda/streams.cpp` against libtorch's c10 headers and link it
/// with libc10_cuda. Without the headers the worker still builds, and its
/// model threads share the default stream (`src/cuda.rs` says why).
fn cuda_streams(lib: Option<&std::path::Path>) {
	println!("cargo::rustc-check-cfg=cfg(dropbear_cuda_streams)");
	println!("cargo:rerun-if-changed=cuda/streams.cpp");
	let Some((torch_include, cuda_include)) = lib.and_then(torch_link::cuda_include_dirs) else {
		println!(
			"cargo:warning=libtorch's or CUDA's headers not found: model threads share the default CUDA stream"
		);
		return;
	};
	// A header set this compiler cannot take leaves the worker without the
	// calls, as missing headers do, rather than unbuildable.
	if let Err(e) = cc::Build::new()
		.cpp(true)
		.std("c++17")
		.include(&torch_include)
		.include(&cuda_include)
		.file("cuda/streams.cpp")
		.warnings(false)
		.try_compile("dropbear_cuda_streams")
	{
		println!(
			"cargo:warning=compiling cuda/streams.cpp failed ({e}): model threads share the default CUDA stream"
		);
		return;
	}
	if let Some(torch) = torch_include.parent() {
		println!("cargo:rustc-link-search=native={}", torch.join("lib").display());
	}
	println!("cargo:rustc-link-lib=dylib=c10_cuda");
	println!("cargo:rustc-link-lib=dylib=c10");
	println!("cargo:rustc-cfg=dropbear_cuda_streams");
}
