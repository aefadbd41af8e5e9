//! A runtime with balances, the registry, the inference pallet and the
//! contracts pallet with this precompile, for unit tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use crate::InferencePrecompile;
use dropbear_primitives::{AgreementPolicy, DType, InputSpec, Task};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstBool, ConstU32, Hooks, VariantCountOf},
	weights::Weight,
	PalletId,
};
use sp_runtime::{traits::IdentityLookup, AccountId32, BuildStorage, MultiSignature, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = AccountId32;
pub type Balance = u128;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Timestamp: pallet_timestamp,
		Models: pallet_models,
		Inference: pallet_inference,
		Revive: pallet_revive,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
	type OnNewAccount = pallet_revive::AutoMapper<Test>;
	type OnKilledAccount = pallet_revive::AutoMapper<Test>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

parameter_types! {
	pub const UnbondingPeriod: u64 = 50;
	pub const ActivationDelay: u64 = 3;
	pub const VoteTimeout: u64 = 5;
	pub const CommitWindow: u64 = 2;
	pub const OffenceWindow: u64 = 10;
	pub const CertificateRetention: u64 = 10;
	pub const InferencePalletId: PalletId = PalletId(*b"dbr/infr");
	pub const EquivocationSlash: Perbill = Perbill::from_percent(10);
	pub const MaxCloseWeight: Weight = Weight::from_parts(1_000_000_000, u64::MAX);
}

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdmitOrigin = frame_system::EnsureRoot<AccountId>;
	type Slashed = ();
	type UnbondingPeriod = UnbondingPeriod;
	type ActivationDelay = ActivationDelay;
	type MaxNameLen = ConstU32<16>;
	type MaxMembers = ConstU32<7>;
	type MaxGroupsPerModel = ConstU32<4>;
	type MaxBatchSize = ConstU32<64>;
	type MaxUnbondingChunks = ConstU32<2>;
	type MaxActivationsPerBlock = ConstU32<8>;
	type MaxModelsPerOwner = ConstU32<4>;
	type WeightInfo = ();
}

impl pallet_inference::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Registry = Models;
	type PalletId = InferencePalletId;
	type VoteTimeout = VoteTimeout;
	type CommitWindow = CommitWindow;
	type OffenceWindow = OffenceWindow;
	type CertificateRetention = CertificateRetention;
	type MaxBatchSize = ConstU32<64>;
	type MaxMembers = ConstU32<7>;
	type MaxRequestsPerCall = ConstU32<100>;
	type EquivocationSlash = EquivocationSlash;
	type MaxClosesPerBlock = ConstU32<3>;
	type MaxCloseWeight = MaxCloseWeight;
	type AnswerSignature = MultiSignature;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
	type WeightInfo = ();
}

#[derive_impl(pallet_revive::config_preludes::TestDefaultConfig)]
impl pallet_revive::Config for Test {
	type Time = Timestamp;
	type Balance = Balance;
	type Currency = Balances;
	type AddressMapper = pallet_revive::AccountId32Mapper<Self>;
	type Precompiles = (InferencePrecompile<Self>,);
	type AutoMap = ConstBool<true>;
	type UploadOrigin = frame_system::EnsureSigned<AccountId>;
	type InstantiateOrigin = frame_system::EnsureSigned<AccountId>;
}

/// Owner `o` (1..=4) owns model `o - 1`, whose worker key is [`worker_of`].
pub const OWNERS: [u8; 4] = [1, 2, 3, 4];
pub const START_FREE: Balance = 1_000_000_000;
pub const START_BOND: Balance = 1_000;
/// Group 0: top-1 of 10 classes, quorum 3, members models 0..=3.
pub const PRICE: Balance = 10_000;
pub const QUORUM: u32 = 3;

pub fn account(n: u8) -> AccountId {
	AccountId32::new([n; 32])
}
pub fn owner(o: u8) -> AccountId {
	account(o)
}
pub fn worker_of(o: u8) -> AccountId {
	account(100 + o)
}
/// A client with funds.
pub fn alice() -> AccountId {
	account(20)
}
/// An account with just enough to exist, and nothing to pay a price with.
pub fn pauper() -> AccountId {
	account(29)
}

pub fn digits_input() -> InputSpec {
	InputSpec { dtype: DType::F32, shape: alloc::vec![1, 8, 8].try_into().unwrap() }
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let task = Task::ImageClassification { classes: 10 };
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: OWNERS
			.iter()
			.map(|o| (owner(*o), START_FREE))
			.chain(OWNERS.iter().map(|o| (worker_of(*o), START_FREE)))
			.chain([(alice(), START_FREE), (pauper(), 1)])
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_models::GenesisConfig::<Test> {
		owners: OWNERS.iter().map(|o| (owner(*o), START_BOND)).collect(),
		models: OWNERS
			.iter()
			.map(|o| {
				(owner(*o), b"digits".to_vec(), task, digits_input(), [*o; 32], Some(worker_of(*o)))
			})
			.collect(),
		groups: alloc::vec![(
			task,
			digits_input(),
			AgreementPolicy::Top1,
			QUORUM,
			PRICE,
			16,
			100,
			alloc::vec![0, 1, 2, 3],
		)],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_inference::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Advance to block `n`, running the pallets' hooks on the way.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let now = System::block_number();
		<Inference as Hooks<u64>>::on_idle(now, Weight::MAX);
		let next = now + 1;
		System::set_block_number(next);
		<Models as Hooks<u64>>::on_initialize(next);
		<Inference as Hooks<u64>>::on_initialize(next);
	}
}
