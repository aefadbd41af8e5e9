//! Chain specs by name. Genesis itself lives in the runtime's presets; this file
//! only names them. The presets are read from the runtime compiled into the
//! node, as the JSON patch its `GenesisBuilder::get_preset` would return, so
//! that building a spec runs no Wasm ([`crate::genesis`]).

use dropbear_runtime::WASM_BINARY;
use sc_service::ChainType;

/// A chain spec for Dropbear chain, with no client extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY
		.ok_or_else(|| "the runtime's Wasm blob was not built (SKIP_WASM_BUILD?)".to_string())
}

fn properties() -> sc_chain_spec::Properties {
	let mut p = sc_chain_spec::Properties::new();
	p.insert("tokenSymbol".into(), "DRB".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

/// `--dev`: Alice validates alone and finalizes on her own.
pub fn development() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Dropbear Development")
		.with_id("dropbear_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_patch(crate::genesis::preset(sp_genesis_builder::DEV_RUNTIME_PRESET)?)
		.with_protocol_id("dropbear")
		.with_properties(properties())
		.build())
}

/// `--chain local`: Alice, Bob, Charlie and Dave validate.
pub fn local_testnet() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Dropbear Local Testnet")
		.with_id("dropbear_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_patch(crate::genesis::preset(
			sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
		)?)
		.with_protocol_id("dropbear")
		.with_properties(properties())
		.build())
}
