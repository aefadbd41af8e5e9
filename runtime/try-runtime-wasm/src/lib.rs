//! Nothing to link: this crate's build script produces the runtime's Wasm
//! with the `try-runtime` feature (see `build.rs`), the runtime a chain never
//! runs but `dropbear-node try-runtime on-runtime-upgrade` rehearses an
//! upgrade with.
