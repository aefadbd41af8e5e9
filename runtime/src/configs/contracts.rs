//! Smart contracts: `pallet-revive`, with its EVM backend (Solidity compiled by
//! `solc` deploys unchanged) beside PolkaVM.
//!
//! Accounts: an Ethereum address maps to the 32-byte account `address ++
//! 0xEE x 12` (`AccountId32Mapper`), so a key that signs Ethereum transactions
//! owns a plain account of this chain; every other account is mapped to an
//! address when it is created (`AutoMap`), so Substrate accounts can hold and
//! receive value from contracts too. Balances: 1 UNIT (10^12 plancks) is 1
//! ether (10^18 wei) to Ethereum tools (`NativeToEthRatio`).

use crate::{
	Address, Balance, Balances, EthExtraImpl, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeHoldReason, RuntimeOrigin, Signature, Timestamp, MILLI_UNIT,
};
use frame_support::{
	parameter_types,
	traits::{ConstBool, ConstU32, ConstU64},
};
use frame_system::EnsureSigned;
use pallet_revive::{evm::fees::Info as FeeInfo, AccountId32Mapper};
use sp_runtime::{FixedU128, Perbill};

/// The chain's EIP-155 chain id, which Ethereum wallets sign into every
/// transaction: "dbea" in ASCII.
pub const ETH_CHAIN_ID: u64 = 0x6462_6561;

parameter_types! {
	/// Storage a contract holds is paid for by a deposit, returned when freed.
	pub const DepositPerItem: Balance = 20 * MILLI_UNIT;
	pub const DepositPerChildTrieItem: Balance = MILLI_UNIT / 5;
	pub const DepositPerByte: Balance = MILLI_UNIT / 100;
	/// Instantiating from uploaded code locks this share of the code's
	/// deposit, so that code in use cannot be removed.
	pub const CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
	/// An Ethereum transaction may use at most this share of a block.
	pub const MaxEthExtrinsicWeight: FixedU128 = FixedU128::from_rational(9, 10);
}

impl pallet_revive::Config for Runtime {
	type Time = Timestamp;
	type Balance = Balance;
	type Currency = Balances;
	// An Ethereum transaction's fee is rounded up to whole gas; the
	// difference goes to the block's author ([`ToBlockAuthor`]).
	type OnBurn = ToBlockAuthor;
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WeightInfo = pallet_revive::weights::SubstrateWeight<Self>;
	// The marketplace at 0x00000000000000000000000000000000dB000000
	// (contracts/IInference.sol).
	type Precompiles = (dropbear_inference_precompile::InferencePrecompile<Runtime>,);
	type FindAuthor = <Runtime as pallet_authorship::Config>::FindAuthor;
	type DepositPerByte = DepositPerByte;
	type DepositPerItem = DepositPerItem;
	type DepositPerChildTrieItem = DepositPerChildTrieItem;
	type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
	type AddressMapper = AccountId32Mapper<Self>;
	type AllowEVMBytecode = ConstBool<true>;
	type UploadOrigin = EnsureSigned<Self::AccountId>;
	type InstantiateOrigin = EnsureSigned<Self::AccountId>;
	type RuntimeMemory = ConstU32<{ 128 * 1024 * 1024 }>;
	type PVFMemory = ConstU32<{ 512 * 1024 * 1024 }>;
	type ChainId = ConstU64<ETH_CHAIN_ID>;
	type NativeToEthRatio = ConstU32<1_000_000>;
	type FeeInfo = FeeInfo<Address, Signature, EthExtraImpl>;
	type Deposit = ();
	type MaxEthExtrinsicWeight = MaxEthExtrinsicWeight;
	type DebugEnabled = ConstBool<false>;
	type AutoMap = ConstBool<true>;
	// Gas figures near Ethereum's for the same work, so that tools with
	// built-in gas limits do not run out.
	type GasScale = ConstU32<50_000>;
}

/// Where the contracts pallet puts the rounding of Ethereum fees: to the
/// block's author, so that the money stays in an account and the ledger check
/// (issuance = sum of balances, falling only by fees and slashes) holds with
/// Ethereum transactions too. Burned only where no author is known (never in
/// a block BABE made).
pub struct ToBlockAuthor;

impl
	frame_support::traits::OnUnbalanced<
		frame_support::traits::fungible::Credit<crate::AccountId, Balances>,
	> for ToBlockAuthor
{
	fn on_nonzero_unbalanced(
		amount: frame_support::traits::fungible::Credit<crate::AccountId, Balances>,
	) {
		use frame_support::traits::fungible::Balanced;
		if let Some(author) = crate::Authorship::author() {
			let _ = <Balances as Balanced<crate::AccountId>>::resolve(&author, amount);
		}
	}
}

/// Upgrade to the first runtime with contracts (spec 102): map every account
/// that exists already to its Ethereum address, as `AutoMap` does for each
/// account created from now on (with `AutoMap` the pallet refuses
/// `map_account`, so nothing else could). One read and at most one write per
/// account: fine for a permissioned chain's few thousand accounts; a chain
/// with millions would need a multi-block migration.
pub struct MapExistingAccounts;

impl frame_support::traits::OnRuntimeUpgrade for MapExistingAccounts {
	fn on_runtime_upgrade() -> frame_support::weights::Weight {
		use pallet_revive::AddressMapper;
		type Mapper = <Runtime as pallet_revive::Config>::AddressMapper;
		let (mut read, mut mapped) = (0u64, 0u64);
		for account in frame_system::Account::<Runtime>::iter_keys() {
			read = read.saturating_add(1);
			if Mapper::is_mapped(&account) {
				continue;
			}
			match Mapper::map_no_deposit_unchecked(&account) {
				Ok(()) => mapped = mapped.saturating_add(1),
				Err(e) => log::warn!(
					target: "runtime::contracts",
					"cannot map existing account {account:?}: {e:?}"
				),
			}
		}
		log::info!(
			target: "runtime::contracts",
			"mapped {mapped} of {read} existing accounts to Ethereum addresses"
		);
		<Runtime as frame_system::Config>::DbWeight::get()
			.reads_writes(read.saturating_mul(2), mapped)
	}
}
