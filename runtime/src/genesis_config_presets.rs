//! Genesis presets: `development` (Alice validates alone) and `local_testnet`
//! (Alice, Bob, Charlie and Dave validate; their nodes are the allow-listed
//! peers).
//!
//! The local network's nodes start with fixed libp2p node keys (see
//! `scripts/dev-node-keys`); the peer ids below are those keys' public halves,
//! and the node's tests check that they still match.

use crate::{
	AccountId, Balance, BalancesConfig, ModelsConfig, RuntimeGenesisConfig, SessionKeys,
	MILLI_UNIT, UNIT,
};
use alloc::{vec, vec::Vec};
use dropbear_primitives::{AgreementPolicy, DType, InputSpec, Task};
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

/// Decode lowercase hex at compile time; a bad digit fails the build.
const fn hex_bytes<const H: usize, const N: usize>(hex: [u8; H]) -> [u8; N] {
	const fn digit(c: u8) -> u8 {
		match c {
			b'0'..=b'9' => c - b'0',
			b'a'..=b'f' => c - b'a' + 10,
			_ => panic!("not a lowercase hex digit"),
		}
	}
	assert!(H == 2 * N, "hex string of the wrong length");
	let mut out = [0u8; N];
	let mut i = 0;
	while i < N {
		out[i] = digit(hex[2 * i]) * 16 + digit(hex[2 * i + 1]);
		i += 1;
	}
	out
}

const fn hex_peer(hex: [u8; 76]) -> [u8; 38] {
	hex_bytes(hex)
}

const fn hex32(hex: [u8; 64]) -> [u8; 32] {
	hex_bytes(hex)
}

const fn hex20(hex: [u8; 40]) -> [u8; 20] {
	hex_bytes(hex)
}

/// The ten development accounts of Hardhat and Anvil (from the mnemonic
/// "test test test test test test test test test test test junk", path
/// m/44'/60'/0'/0/i), funded in both presets so that Ethereum tools work
/// with their defaults. Their keys are public: development only.
pub const ETH_DEV_ACCOUNTS: [[u8; 20]; 10] = [
	hex20(*b"f39fd6e51aad88f6f4ce6ab8827279cfffb92266"),
	hex20(*b"70997970c51812dc3a010c7d01b50e0d17dc79c8"),
	hex20(*b"3c44cdddb6a900fa2b585dd299e03d12fa4293bc"),
	hex20(*b"90f79bf6eb2c4f870365e785982e1f101e93b906"),
	hex20(*b"15d34aaf54267db7d7c367839aaf71a00a2c6a65"),
	hex20(*b"9965507d1a55bcc2695c58ba16fb37d819b0a4dc"),
	hex20(*b"976ea74026e726554db657fa54763abd0c3a0aa9"),
	hex20(*b"14dc79964da2c08b23698b3d3cc7ca32193d9955"),
	hex20(*b"23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f"),
	hex20(*b"a0ee7a142d267c1f36714e4a8f75612f20a79720"),
];

/// The account of this chain that an Ethereum address signs for: the address
/// followed by twelve 0xEE bytes (the contracts pallet's `AccountId32Mapper`).
pub fn eth_account(address: [u8; 20]) -> AccountId {
	let mut id = [0xEE; 32];
	id[..20].copy_from_slice(&address);
	AccountId::from(id)
}

/// Stake each demo owner bonds at genesis.
pub const DEMO_OWNER_BOND: Balance = 10_000 * UNIT;
/// Price per request of the demo group.
pub const DEMO_PRICE: Balance = 10 * MILLI_UNIT;
/// Minimum member bond of the demo group.
pub const DEMO_MIN_MEMBER_BOND: Balance = 1_000 * UNIT;

/// Worker keys of the demo models: the sr25519 accounts of `//Alice-worker`,
/// `//Bob-worker`, `//Charlie-worker` and `//Dave-worker` (the end-to-end tests
/// check these against `dropbear-node key inspect`).
pub const DEMO_WORKERS: [[u8; 32]; 4] = [
	hex32(*b"7c6ed8134f63ae97f3983348ad0c49742663fac70114e70acbe2f01c55cfcb19"),
	hex32(*b"f29b721a99f77566a36c4b7b48973e77cb2487303c5743268d653c66a471d831"),
	hex32(*b"8c0d48a998b27396f1bdcfd2ade8140e739bb367e26109adf2bc779dfcd8674c"),
	hex32(*b"525a9492a4d78c63ee9049803ea3fc5086ebfb34312d1754d575ffa452ee327b"),
];

/// The demo models, one per owner, all classifying 8x8 handwritten digits.
pub const DEMO_MODELS: [&str; 4] =
	["digits-logreg", "digits-mlp", "digits-cnn-small", "digits-cnn-wide"];

/// The input every demo model takes: one 8x8 grey image as f32.
pub fn digits_input() -> InputSpec {
	InputSpec { dtype: DType::F32, shape: vec![1, 8, 8].try_into().unwrap_or_default() }
}

/// Stand-in weight digests for the demo models. A chain spec built for real
/// workers replaces them with the digests of the TorchScript files those
/// workers load (`models.models[i][4]` in the spec's genesis patch).
pub fn demo_digest(name: &str) -> [u8; 32] {
	<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(name.as_bytes()).0
}

/// Alice, Bob, Charlie and Dave own one digits model each, bonded, with their
/// worker keys authorized; the four models form group 0: top-1 agreement,
/// quorum 3.
fn marketplace() -> ModelsConfig {
	let owners =
		[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave];
	let task = Task::ImageClassification { classes: 10 };
	ModelsConfig {
		owners: owners.iter().map(|o| (o.to_account_id(), DEMO_OWNER_BOND)).collect(),
		models: owners
			.iter()
			.zip(DEMO_MODELS)
			.zip(DEMO_WORKERS)
			.map(|((owner, name), worker)| {
				(
					owner.to_account_id(),
					name.as_bytes().to_vec(),
					task,
					digits_input(),
					demo_digest(name),
					Some(AccountId::from(worker)),
				)
			})
			.collect(),
		groups: vec![(
			task,
			digits_input(),
			AgreementPolicy::Top1,
			3,
			DEMO_PRICE,
			64,
			DEMO_MIN_MEMBER_BOND,
			vec![0, 1, 2, 3],
		)],
	}
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
		models: marketplace(),
	})
}

/// The well-known dev accounts, the demo workers (valid votes are free,
/// but a worker needs a balance for the fee that is withheld until the vote
/// proves valid) and the Ethereum tools' development accounts.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.map(|k| k.to_account_id())
		.chain(DEMO_WORKERS.into_iter().map(AccountId::from))
		.chain(ETH_DEV_ACCOUNTS.into_iter().map(eth_account))
		.collect()
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
	Some(serde_json::to_string(&patch).unwrap_or_default().into_bytes())
}

/// Names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
