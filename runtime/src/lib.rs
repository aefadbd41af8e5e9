//! # Dropbear runtime
//!
//! The state transition function of Dropbear chain, compiled to Wasm and run
//! by `dropbear-node`. It holds:
//!
//! - consensus: BABE block production (2-second slots, [`MILLISECS_PER_BLOCK`])
//!   and GRANDPA finality, with equivocation reports wired through
//!   `pallet-offences` and historical session proofs;
//! - permissioning: a validator set that only root changes
//!   (`pallet-validator-set`) and an allow-list of network peers
//!   (`pallet-node-authorization`, whose off-chain worker makes every listed node
//!   refuse peers that are not listed);
//! - money: `pallet-balances` with fungible holds, `pallet-transaction-payment`;
//! - governance for now: `pallet-sudo`;
//! - the marketplace: `pallet-models` (owners, bonds, models, versions,
//!   worker keys, model groups) and `pallet-inference` (batches, votes,
//!   certificates);
//! - smart contracts: `pallet-revive` with its EVM backend, so that Solidity
//!   compiled by `solc` deploys unchanged and Ethereum tools reach it through
//!   the Ethereum JSON-RPC adapter (`configs/contracts.rs`).
//!
//! Layout: `configs/` holds one file per area, `apis.rs` the runtime APIs,
//! `genesis_config_presets.rs` the `development` and `local_testnet` presets.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` and `impl_runtime_apis` expand to code the workspace lints
// would flag; the hand-written runtime code keeps to them.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
// The native runtime embeds the Wasm blob built by `build.rs`.
#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

// Before `apis`: the benchmark macros it uses are defined here.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;

/// The client-side handle of the runtime APIs, for the node.
#[cfg(feature = "std")]
pub use apis::RuntimeApi;

use frame_support::weights::{constants::WEIGHT_REF_TIME_PER_SECOND, Weight};
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature, Perbill,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;

/// Block number.
pub type BlockNumber = u32;
/// Signature of transactions: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;
/// An account is identified by the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account, in plancks ([`UNIT`] = 10^12).
pub type Balance = u128;
/// Transaction counter of an account.
pub type Nonce = u32;
/// Block and state hash.
pub type Hash = sp_core::H256;

/// One token.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a token.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// The smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Target block time. Change here and everything derived follows: slot
/// duration, epoch length in time, timestamp minimum period.
pub const MILLISECS_PER_BLOCK: u64 = 2_000;
/// BABE slot duration; one block per slot at most.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
/// Blocks per BABE epoch, which is also one session. Short, so that validator
/// set changes take effect within a minute on a test network.
pub const EPOCH_DURATION_IN_SLOTS: BlockNumber = 10;
/// Blocks per minute at the target block time.
pub const MINUTES: BlockNumber = (60_000 / MILLISECS_PER_BLOCK) as BlockNumber;
/// Blocks per hour at the target block time.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// BABE's leadership rate: with c = 1/4 a validator wins a primary slot about a
/// quarter of the time; secondary VRF slots fill the rest so that every slot
/// has an author while all validators are up.
pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);
/// The BABE epoch configuration at genesis.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: PRIMARY_PROBABILITY,
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block with opaque extrinsics.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;

	impl_opaque_keys! {
		/// The keys a validator registers with `session.set_keys`.
		pub struct SessionKeys {
			pub babe: Babe,
			pub grandpa: Grandpa,
		}
	}
}
pub use opaque::SessionKeys;

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("dropbear"),
	impl_name: alloc::borrow::Cow::Borrowed("dropbear"),
	authoring_version: 1,
	spec_version: 105,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// 75% of a block is for ordinary transactions; the rest is kept for
/// operational ones (equivocation reports, sudo) so they always fit.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// Compute per block: 1 second of the 2-second slot, leaving the other half for
/// import and propagation.
const MAXIMUM_BLOCK_WEIGHT: Weight = Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX);

/// Address format of extrinsics.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The checks every signed transaction goes through, in order.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	// Last: it turns the signed origin of an Ethereum transaction into the
	// contracts pallet's own origin, so the extensions above see a plain
	// signed account. It encodes to nothing; on other transactions it does
	// nothing.
	pallet_revive::evm::tx_extension::SetOrigin<Runtime>,
);
/// Extrinsic as the runtime decodes it: Substrate's format, plus the
/// unsigned `Revive::eth_transact` that carries a signed Ethereum transaction
/// (from the Ethereum JSON-RPC adapter), which it checks and turns into a
/// signed extrinsic of the Ethereum signer's account ([`EthExtraImpl`]).
pub type UncheckedExtrinsic =
	pallet_revive::evm::runtime::UncheckedExtrinsic<Address, Signature, EthExtraImpl>;

/// The extensions an Ethereum transaction goes through: the same as every
/// signed transaction's, with the nonce and tip taken from the Ethereum
/// transaction and no mortality (Ethereum transactions have none).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EthExtraImpl;

impl pallet_revive::evm::runtime::EthExtra for EthExtraImpl {
	type Config = Runtime;
	type ExtensionV0 = TxExtension;
	type ExtensionOtherVersions = sp_runtime::traits::InvalidVersion;

	fn get_eth_extension(nonce: Nonce, tip: Balance) -> TxExtension {
		(
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
			pallet_revive::evm::tx_extension::SetOrigin::<Runtime>::new_from_eth_transaction(),
		)
	}
}
/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations that run when this runtime replaces the one before
/// (spec 100 to 101: pallet-inference's open-batch index gains deadlines;
/// to 102: contracts, with every existing account mapped to an Ethereum
/// address; to 103: open batches keep their requests digest, which
/// commitments name). The inference ones run only from the storage version
/// they expect, in order; the accounts one maps only accounts not mapped
/// yet (a read per account on each upgrade: drop it once every network runs
/// spec 102).
type Migrations = (
	pallet_inference::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_inference::migrations::v3::MigrateV2ToV3<Runtime>,
	configs::MapExistingAccounts,
);

/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Babe = pallet_babe;
	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(5)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(6)]
	pub type Offences = pallet_offences;
	#[runtime::pallet_index(7)]
	pub type Historical = pallet_session::historical;
	// Genesis builds in index order: the validator set must exist before the
	// session pallet asks for it.
	#[runtime::pallet_index(8)]
	pub type ValidatorSet = pallet_validator_set;
	#[runtime::pallet_index(9)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(10)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(11)]
	pub type NodeAuthorization = pallet_node_authorization;
	#[runtime::pallet_index(12)]
	pub type Sudo = pallet_sudo;

	// The marketplace.
	#[runtime::pallet_index(20)]
	pub type Models = pallet_models;
	#[runtime::pallet_index(21)]
	pub type Inference = pallet_inference;

	// Smart contracts: Solidity (EVM bytecode) and PolkaVM.
	#[runtime::pallet_index(30)]
	pub type Revive = pallet_revive;
}
