fn main() {
	// The node runs the runtime as Wasm; the native build only serves tests and
	// tooling, so compile the Wasm blob whenever the runtime is built with std.
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}
