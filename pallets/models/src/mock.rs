//! A runtime with `frame-system`, `pallet-balances` and this pallet, for unit tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use crate as pallet_models;
use dropbear_primitives::{DType, InputSpec, Task};
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Models: pallet_models,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	pub const UnbondingPeriod: u64 = 10;
	pub const ActivationDelay: u64 = 3;
}

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdmitOrigin = frame_system::EnsureRoot<AccountId>;
	type Slashed = ();
	type UnbondingPeriod = UnbondingPeriod;
	type ActivationDelay = ActivationDelay;
	type MaxNameLen = ConstU32<16>;
	type MaxMembers = ConstU32<5>;
	type MaxGroupsPerModel = ConstU32<2>;
	type MaxBatchSize = ConstU32<64>;
	type MaxUnbondingChunks = ConstU32<2>;
	type MaxActivationsPerBlock = ConstU32<2>;
	type MaxModelsPerOwner = ConstU32<8>;
	type WeightInfo = ();
}

/// Owners 1..=5 start admitted with 1_000 bonded from 10_000 free; 9 has funds
/// but is no owner.
pub const OWNERS: [AccountId; 5] = [1, 2, 3, 4, 5];
pub const OUTSIDER: AccountId = 9;
pub const START_FREE: Balance = 10_000;
pub const START_BOND: Balance = 1_000;

/// The input spec and task the tests use: 8x8 grey digits, 10 classes.
pub fn digits_input() -> InputSpec {
	InputSpec { dtype: DType::F32, shape: vec![1, 8, 8].try_into().unwrap() }
}
pub fn digits_task() -> Task {
	Task::ImageClassification { classes: 10 }
}

/// The worker key of owner `o`'s first model.
pub fn worker_of(owner: AccountId) -> AccountId {
	100 + owner
}

pub struct ExtBuilder;

impl ExtBuilder {
	/// Build the externality, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: OWNERS.iter().chain([OUTSIDER].iter()).map(|a| (*a, START_FREE)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_models::GenesisConfig::<Test> {
			owners: OWNERS.iter().map(|o| (*o, START_BOND)).collect(),
			models: vec![],
			groups: vec![],
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			test();
			Models::do_try_state().expect("invariants hold after the test");
		});
	}
}

/// Advance to block `n`, running `on_initialize` of each block on the way.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		<Models as Hooks<u64>>::on_initialize(next);
	}
}

/// An externality with balances only, for the benchmark test suite.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
