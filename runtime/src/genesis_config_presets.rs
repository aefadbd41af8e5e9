//! Genesis presets: `development` (Alice validates alone) and `local_testnet`
//! (Alice, Bob, Charlie and Dave validate; their nodes are the allow-listed
//! peers).
//!
//! The local network's nodes start with fixed libp2p node keys (see
//! `scripts/dev-node-keys`); the peer ids below are those keys' public halves,
//! and the node's tests check that they still match.

use crate::{AccountId, Balance, BalancesConfig, RuntimeGenesisConfig, SessionKeys, UNIT};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_babe::AuthorityId as BabeId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Each prefunded development account starts with this much.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;

/// libp2p peer ids (multihash bytes) of the local network's fixed node keys,
/// in validator order: Alice, Bob, Charlie, Dave.
pub const LOCAL_TESTNET_PEER_IDS: [[u8; 38]; 4] = [
	hex_peer(*b"0024080112202627032fcae6b50a0a313b6334fd0ff784d979b61fa15475c72b677a8bf9fb94"),
	hex_peer(*b"0024080112202bee7550671742b57eba485f0f780b32e9ec110ceb6c330493db862cd42e4dce"),
	hex_peer(*b"002408011220fbcd18294fc7038a7b5f36206c3967a22bbed927a2e095a2f0b78809c0914dc7"),
	hex_peer(*b"00240801122021f75d82629063b7967b34ad906ef5b2471cabd35d7fdf43e632449b4dc9f448"),
];

/// Decode 76 hex digits at compile time; a bad digit fails the build.
const fn hex_peer(hex: [u8; 76]) -> [u8; 38] {
	const fn digit(c: u8) -> u8 {
		match c {
			b'0'..=b'9' => c - b'0',
			b'a'..=b'f' => c - b'a' + 10,
			_ => panic!("not a lowercase hex digit"),
		}
	}
	let mut out = [0u8; 38];
	let mut i = 0;
	while i < 38 {
		out[i] = digit(hex[2 * i]) * 16 + digit(hex[2 * i + 1]);
		i += 1;
	}
	out
}

fn session_keys(who: Sr25519Keyring, grandpa: Ed25519Keyring) -> SessionKeys {
	SessionKeys { babe: BabeId::from(who.public()), grandpa: GrandpaId::from(grandpa.public()) }
}

fn genesis(
	validators: Vec<(Sr25519Keyring, Ed25519Keyring)>,
	endowed: Vec<AccountId>,
	root: AccountId,
	well_known_nodes: Vec<(Vec<u8>, AccountId)>,
) -> Value {
	let keys: Vec<(AccountId, AccountId, SessionKeys)> = validators
		.iter()
		.map(|(sr, ed)| (sr.to_account_id(), sr.to_account_id(), session_keys(*sr, *ed)))
		.collect();
	let initial_validators: Vec<AccountId> =
		validators.iter().map(|(sr, _)| sr.to_account_id()).collect();
	let nodes: Vec<(sp_core::OpaquePeerId, AccountId)> = well_known_nodes
		.into_iter()
		.map(|(peer, owner)| (sp_core::OpaquePeerId(peer), owner))
		.collect();

	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|a| (a, ENDOWMENT)).collect::<Vec<_>>(),
		},
		babe: pallet_babe::GenesisConfig { epoch_config: crate::BABE_GENESIS_EPOCH_CONFIG },
		session: pallet_session::GenesisConfig { keys },
		validator_set: pallet_validator_set::GenesisConfig { initial_validators },
		node_authorization: pallet_node_authorization::GenesisConfig { nodes },
		sudo: pallet_sudo::GenesisConfig { key: Some(root) },
	})
}

fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|k| k.to_account_id()).collect()
}

/// Alice validates alone and is root. The dev node uses a random node key, so
/// no peer is allow-listed: a lone dev node needs none.
pub fn development_config_genesis() -> Value {
	genesis(
		vec![(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		vec![],
	)
}

/// Alice, Bob, Charlie and Dave validate; their four nodes are allow-listed,
/// each owned by its validator. Alice is root.
pub fn local_testnet_genesis() -> Value {
	let validators = vec![
		(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
		(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
	];
	let nodes = LOCAL_TESTNET_PEER_IDS
		.iter()
		.zip(validators.iter())
		.map(|(peer, (sr, _))| (peer.to_vec(), sr.to_account_id()))
		.collect();
	genesis(validators, dev_accounts(), Sr25519Keyring::Alice.to_account_id(), nodes)
}

/// The preset with the given name, as JSON.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.unwrap_or_default()
			.into_bytes(),
	)
}

/// Names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
