//! Builds the runtime's Wasm a second time, with the `try-runtime` feature,
//! as `dropbear_runtime_try_runtime.compact.compressed.wasm` beside the
//! runtime's own in `$CARGO_TARGET_DIR/<profile>/wbuild/dropbear-runtime/`.
//!
//! Both builds use that Wasm project directory; this one runs after the
//! runtime's own (the dependency on `dropbear-runtime`, which has `links`),
//! and only when `DROPBEAR_TRY_RUNTIME_WASM` is set (`scripts/env.sh` sets
//! it for the project's scripts), so that a plain `cargo test -p ...` does
//! not pay for it.

fn main() {
	println!("cargo:rerun-if-env-changed=DROPBEAR_TRY_RUNTIME_WASM");
	if std::env::var_os("DROPBEAR_TRY_RUNTIME_WASM").is_none() {
		return;
	}
	// The builder finds the runtime's package by this path in `cargo
	// metadata`, which has it canonical. Read when the script runs, not
	// when it is compiled: Cargo reuses a compiled build script for a
	// checkout at another path (a CI clone) sharing the target directory.
	let dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("Cargo sets CARGO_MANIFEST_DIR");
	let runtime = std::path::Path::new(&dir)
		.join("../Cargo.toml")
		.canonicalize()
		.expect("runtime/Cargo.toml exists");
	substrate_wasm_builder::WasmBuilder::new()
		.with_project(runtime)
		.expect("a Cargo.toml")
		.import_memory()
		.export_heap_base()
		.enable_feature("try-runtime")
		.set_file_name("dropbear_runtime_try_runtime")
		.build();
}
