//! Shared by the build scripts of every package whose binaries link libtorch
//! (the worker, the benchmarks, the fault-injection harness): link them so that
//! they run without a hand-set LD_LIBRARY_PATH and
//! keep CUDA: an rpath to the libtorch that torch-sys linked (the project
//! venv's torch/lib), and libtorch_cuda linked even though no symbol of it is
//! referenced directly (as-needed linking would drop it, and `--device cuda`
//! would silently find no GPU).

use std::{path::PathBuf, process::Command};

pub fn torch_lib_dir() -> Option<PathBuf> {
	if let Some(libtorch) = std::env::var_os("LIBTORCH") {
		return Some(PathBuf::from(libtorch).join("lib"));
	}
	let python = std::env::var("DROPBEAR_PYTHON").unwrap_or_else(|_| "python3".into());
	let out = Command::new(python)
		.args([
			"-c",
			"import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))",
		])
		.output()
		.ok()?;
	out.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// The folders holding libtorch's C++ headers (`c10/cuda/CUDAStream.h`
/// among them) and CUDA's runtime headers (`cuda_runtime_api.h` with its
/// `crt/` part), when both are there: `CUDA_HOME`'s `include`, or the
/// CUDA wheels beside the venv's torch (`nvidia/cu13/include`). Only the
/// worker's build script compiles against them.
#[allow(dead_code)]
pub fn cuda_include_dirs(lib: &std::path::Path) -> Option<(PathBuf, PathBuf)> {
	println!("cargo:rerun-if-env-changed=CUDA_HOME");
	let torch_include = lib.parent()?.join("include");
	// A CPU-only libtorch may carry the headers without the library.
	if !torch_include.join("c10/cuda/CUDAStream.h").exists() || !lib.join("libc10_cuda.so").exists()
	{
		return None;
	}
	let mut candidates = Vec::new();
	if let Some(home) = std::env::var_os("CUDA_HOME") {
		candidates.push(PathBuf::from(home).join("include"));
	}
	// site-packages/torch/lib -> site-packages/nvidia/cu*/include
	if let Some(site) = lib.parent().and_then(|t| t.parent()) {
		// Headers installed later (scripts/setup-venv.sh) build the calls in.
		if site.join("nvidia").is_dir() {
			println!("cargo:rerun-if-changed={}", site.join("nvidia").display());
		}
		if let Ok(entries) = std::fs::read_dir(site.join("nvidia")) {
			let mut found: Vec<PathBuf> = entries
				.filter_map(|e| e.ok())
				.map(|e| e.path().join("include"))
				.filter(|p| p.join("cuda_runtime_api.h").exists())
				.collect();
			found.sort();
			candidates.extend(found.into_iter().rev());
		}
	}
	let cuda_include = candidates.into_iter().find(|dir| {
		dir.join("cuda_runtime_api.h").exists() && dir.join("crt/host_defines.h").exists()
	})?;
	Some((torch_include, cuda_include))
}

/// Emit the rpath and the kept libtorch_cuda for this package's binaries
/// and tests; the libtorch folder found, for further use.
pub fn emit() -> Option<PathBuf> {
	println!("cargo:rerun-if-env-changed=LIBTORCH");
	println!("cargo:rerun-if-env-changed=DROPBEAR_PYTHON");
	let Some(lib) = torch_lib_dir() else {
		println!(
			"cargo:warning=libtorch not found: no rpath set (set DROPBEAR_PYTHON or LIBTORCH)"
		);
		return None;
	};
	println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
	if lib.join("libtorch_cuda.so").exists() {
		println!("cargo:rustc-link-search=native={}", lib.display());
		println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
		println!("cargo:rustc-link-arg=-ltorch_cuda");
		println!("cargo:rustc-link-arg=-Wl,--as-needed");
	}
	Some(lib)
}
