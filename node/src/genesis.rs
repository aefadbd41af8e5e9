//! Genesis storage built by the runtime compiled into this node.
//!
//! A chain spec that carries its genesis as JSON (the built-in `--dev` and
//! `local` specs, and any spec exported without `--raw`) is turned into
//! storage by running the runtime's `GenesisBuilder` API. Done the usual way
//! (`sc-chain-spec`), that compiles the spec's Wasm runtime in an executor of
//! its own before the client compiles it again for itself, and a built-in
//! spec named by its preset compiles it once more for the preset: two thirds
//! of a node's start (about 10 of 15 s on the 2-core VM), and again at every
//! restart, since `sc-service` builds the genesis storage whether or not the
//! database already holds the chain.
//!
//! Where the spec's code is exactly the runtime this node was built with,
//! the same genesis code runs natively instead: the same presets, the same
//! JSON merge and the same `BuildGenesisConfig` implementations as the Wasm,
//! compiled from the same source. `tests/tests/dev_chain.rs` checks that
//! both give the same storage, key for key, for both built-in specs. Any
//! other spec (raw, another runtime's code, a genesis this runtime cannot
//! read) takes the usual path.

use dropbear_runtime::{RuntimeGenesisConfig, WASM_BINARY};
use sc_service::ChainSpec;
use sp_core::storage::{well_known_keys::CODE, Storage};
use sp_runtime::BuildStorage;

/// The preset `id` of the runtime compiled into this node, as JSON (what
/// the runtime's `GenesisBuilder::get_preset` returns, without running it).
pub fn preset(id: &str) -> Result<serde_json::Value, String> {
	let json = dropbear_runtime::genesis_config_presets::get_preset(&id.into())
		.ok_or_else(|| format!("the runtime has no genesis preset {id:?}"))?;
	serde_json::from_slice(&json).map_err(|e| format!("genesis preset {id:?}: {e}"))
}

/// The genesis storage of `spec` built natively, or `None` where `spec` is
/// not a JSON genesis for this node's own runtime (the caller then builds
/// it through the spec, which runs the spec's Wasm).
pub fn native_storage(spec: &dyn ChainSpec) -> Option<Storage> {
	let wasm = WASM_BINARY?;
	let json: serde_json::Value = serde_json::from_str(&spec.as_json(false).ok()?).ok()?;
	let genesis = json.get("genesis")?.get("runtimeGenesis")?;
	let code = sp_core::bytes::from_hex(genesis.get("code")?.as_str()?).ok()?;
	if code != wasm {
		return None;
	}
	let config = match (genesis.get("patch"), genesis.get("config")) {
		// As the runtime's `get_preset(None)` and `sc-chain-spec` do: the
		// patch over the default configuration.
		(Some(patch), None) => {
			let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).ok()?;
			sc_chain_spec::json_merge(&mut config, patch.clone());
			config
		}
		(None, Some(config)) => config.clone(),
		_ => return None,
	};
	let config: RuntimeGenesisConfig = match serde_json::from_value(config) {
		Ok(config) => config,
		Err(e) => {
			log::warn!(target: "dropbear", "genesis not built natively: {e}");
			return None;
		}
	};
	// The pallets' genesis builds assert what they are given (a model name
	// too long, a group without members): in the Wasm a trap the spec's
	// path reports as an error; natively a panic, which the node's panic
	// handler would turn into an exit. Caught here, and the Wasm path then
	// gives the error.
	let built = {
		let _unwind = sp_panic_handler::AbortGuard::force_unwind();
		std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.build_storage()))
	};
	let mut storage = match built {
		Ok(Ok(storage)) => storage,
		Ok(Err(e)) => {
			log::warn!(target: "dropbear", "genesis not built natively: {e}");
			return None;
		}
		Err(_) => {
			log::warn!(
				target: "dropbear",
				"the native genesis build panicked (above); building it through the Wasm, which reports the error"
			);
			return None;
		}
	};
	storage.top.insert(CODE.to_vec(), code);
	Some(storage)
}
