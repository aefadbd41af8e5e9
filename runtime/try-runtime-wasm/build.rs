//! Builds the runtime's Wasm a second time, with the `try-runtime` feature,
//! as `dropbear_runtime_try_runtime.compact.compressed.wasm` beside the
//! runtime's own in `$CARGO_TARGET_DIR/<profile>/wbuild/dropbear-runtime/`.
//!
//! Both builds use that Wasm project directory; this one runs after the
//! runtime's own (the dependency on `dropbear-runtime`, which has `links`),
//! and only when `DROPBEAR_TRY_RUNTIME_WASM` is set (`scripts/build.sh` sets
//! it beside the node's build), so that workspace-wide builds and tests do
//! not pay for it.

fn main() {
	println!("cargo:rerun-if-env-changed=DROPBEAR_TRY_RUNTIME_WASM");
	if std::env::var_os("DROPBEAR_TRY_RUNTIME_WASM").is_none() {
		return;
	}
	// The builder finds the runtime's package by this path in `cargo
	// metadata`, which has it canonical.
	let runtime = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
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
