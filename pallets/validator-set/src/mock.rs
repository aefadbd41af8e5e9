//! A runtime with only `frame-system` and this pallet, for unit tests.

#![allow(clippy::unwrap_used)]

use crate as pallet_validator_set;
use frame_support::{derive_impl, parameter_types, traits::Contains};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		ValidatorSet: pallet_validator_set,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// Account 99 never registers session keys.
pub const KEYLESS: u64 = 99;

pub struct HasKeys;
impl Contains<u64> for HasKeys {
	fn contains(who: &u64) -> bool {
		*who != KEYLESS
	}
}

parameter_types! {
	pub const MaxValidators: u32 = 5;
	pub const MinValidators: u32 = 2;
	/// The blocks in which [`EveryThirdBlock`] rotated, in order.
	pub static Rotations: Vec<u64> = Vec::new();
}

/// Sessions of three blocks: a rotation records its block and takes the
/// planned set, as `pallet-session` does through the pallet's session manager.
pub struct EveryThirdBlock;
impl crate::SessionRotation<u64> for EveryThirdBlock {
	fn should_rotate(now: u64) -> bool {
		now % 3 == 0
	}

	fn rotate() {
		Rotations::mutate(|r| r.push(System::block_number()));
		let index = Rotations::get().len() as u32;
		let _ = <ValidatorSet as pallet_session::SessionManager<u64>>::new_session(index + 1);
	}
}

impl pallet_validator_set::Config for Test {
	type AddRemoveOrigin = frame_system::EnsureRoot<u64>;
	type KeysRegistered = HasKeys;
	type MaxValidators = MaxValidators;
	type MinValidators = MinValidators;
	type SessionRotation = EveryThirdBlock;
	type WeightInfo = ();
	// `HasKeys` accepts every benchmark account already.
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

/// Builds a test externality with validators 1, 2, 3 and checks the pallet's
/// invariants after the test body.
pub struct ExtBuilder {
	validators: Vec<u64>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { validators: vec![3, 1, 2] }
	}
}

impl ExtBuilder {
	pub fn validators(mut self, validators: Vec<u64>) -> Self {
		self.validators = validators;
		self
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		let storage = RuntimeGenesisConfig {
			system: Default::default(),
			validator_set: pallet_validator_set::GenesisConfig {
				initial_validators: self.validators,
			},
		}
		.build_storage()
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		Rotations::set(Vec::new());
		ext.execute_with(|| {
			System::set_block_number(1);
			test();
			ValidatorSet::do_try_state().unwrap();
		});
	}
}

/// An externality with no validators, for the benchmark test suite: each
/// benchmark plans its own set.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	Rotations::set(Vec::new());
	ext.execute_with(|| System::set_block_number(1));
	ext
}
