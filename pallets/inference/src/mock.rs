//! A runtime with `frame-system`, `pallet-balances`, `pallet-models` (the real
//! registry) and this pallet, for unit tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use crate as pallet_inference;
use dropbear_primitives::{AgreementPolicy, DType, InputSpec, Task};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, Hooks},
	weights::Weight,
	PalletId,
};
use sp_runtime::{testing::TestSignature, BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Models: pallet_models,
		Inference: pallet_inference,
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
	pub const UnbondingPeriod: u64 = 50;
	pub const ActivationDelay: u64 = 3;
	pub const VoteTimeout: u64 = 5;
	pub const CommitWindow: u64 = 2;
	pub const OffenceWindow: u64 = 10;
	pub const CertificateRetention: u64 = 10;
	pub const InferencePalletId: PalletId = PalletId(*b"dbr/infr");
	pub const EquivocationSlash: Perbill = Perbill::from_percent(10);
	pub static MaxCloseWeight: Weight = Weight::from_parts(1_000_000, u64::MAX);
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
	type AnswerSignature = TestSignature;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestSigner;
	type WeightInfo = TestWeights;
}

/// The mock's worker keys sign with [`TestSignature`]: a signature names its
/// signer and message.
pub fn sign(worker: AccountId, answer: &crate::Answer) -> TestSignature {
	TestSignature(worker, answer.payload())
}

/// Signs for the benchmarks with key 777.
#[cfg(feature = "runtime-benchmarks")]
pub struct TestSigner;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, TestSignature> for TestSigner {
	fn sign(message: &[u8]) -> (AccountId, TestSignature) {
		(777, TestSignature(777, message.to_vec()))
	}
}

/// Simple, distinct weights, so that tests can check what is charged and
/// how much pruning fits.
pub struct TestWeights;
impl crate::WeightInfo for TestWeights {
	fn request_batch(n: u32) -> Weight {
		Weight::from_parts(1_100 + 200 * u64::from(n), 0)
	}
	fn request_batch_filling(n: u32) -> Weight {
		Weight::from_parts(100 + 200 * u64::from(n), 0)
	}
	fn commit() -> Weight {
		Weight::from_parts(900, 0)
	}
	fn reveal(b: u32) -> Weight {
		Weight::from_parts(1_000 + 10 * u64::from(b), 0)
	}
	fn close_batch(b: u32) -> Weight {
		Weight::from_parts(1_000 + 10 * u64::from(b), 0)
	}
	fn prune_batch(b: u32) -> Weight {
		Weight::from_parts(1_000 + 10 * u64::from(b), 0)
	}
	fn report_lie() -> Weight {
		Weight::from_parts(1_300, 0)
	}
	fn read_certificate(b: u32) -> Weight {
		Weight::from_parts(500 + 10 * u64::from(b), 0)
	}
	fn read_group_terms(m: u32) -> Weight {
		Weight::from_parts(400 + 10 * u64::from(m), 0)
	}
}

/// Owners 1..=5 each own model `o - 1` (worker `100 + o`), bonded 1_000.
pub const OWNERS: [AccountId; 5] = [1, 2, 3, 4, 5];
/// Clients with funds and no role.
pub const ALICE: AccountId = 20;
pub const BOB: AccountId = 21;
/// An account with no funds.
pub const PAUPER: AccountId = 29;
pub const START_FREE: Balance = 10_000;
pub const START_BOND: Balance = 1_000;
/// Group 0: Top1, quorum 3, price 10, batch 4, members models 0..=3 (owners 1..=4).
pub const PRICE: Balance = 10;
pub const MAX_BATCH: u32 = 4;

pub fn worker_of(owner: AccountId) -> AccountId {
	100 + owner
}

pub fn digits_input() -> InputSpec {
	InputSpec { dtype: DType::F32, shape: vec![1, 8, 8].try_into().unwrap() }
}

pub fn digits_task() -> Task {
	Task::ImageClassification { classes: 10 }
}

pub struct ExtBuilder {
	policy: AgreementPolicy,
	quorum: u32,
	members: Vec<u32>,
	price: Balance,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { policy: AgreementPolicy::Top1, quorum: 3, members: vec![0, 1, 2, 3], price: PRICE }
	}
}

impl ExtBuilder {
	pub fn policy(mut self, policy: AgreementPolicy) -> Self {
		self.policy = policy;
		self
	}
	pub fn quorum(mut self, quorum: u32, members: Vec<u32>) -> Self {
		self.quorum = quorum;
		self.members = members;
		self
	}
	pub fn price(mut self, price: Balance) -> Self {
		self.price = price;
		self
	}

	/// Build the externality, run `test`, then check both pallets' invariants
	/// and that no money was created or destroyed beyond slashes.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: OWNERS
				.iter()
				.chain([ALICE, BOB].iter())
				.map(|a| (*a, START_FREE))
				.chain(OWNERS.iter().map(|o| (worker_of(*o), 100)))
				.collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_models::GenesisConfig::<Test> {
			owners: OWNERS.iter().map(|o| (*o, START_BOND)).collect(),
			models: OWNERS
				.iter()
				.map(|o| {
					(
						*o,
						b"digits".to_vec(),
						digits_task(),
						digits_input(),
						[*o as u8; 32],
						Some(worker_of(*o)),
					)
				})
				.collect(),
			groups: vec![(
				digits_task(),
				digits_input(),
				self.policy,
				self.quorum,
				self.price,
				MAX_BATCH,
				100,
				self.members.clone(),
			)],
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_inference::GenesisConfig::<Test>::default()
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			let issuance = Balances::total_issuance();
			test();
			Inference::do_try_state().expect("inference invariants hold after the test");
			Models::do_try_state().expect("registry invariants hold after the test");
			let slashed: Balance = System::events()
				.into_iter()
				.filter_map(|r| match r.event {
					RuntimeEvent::Models(pallet_models::Event::OwnerSlashed { amount, .. }) => {
						Some(amount)
					}
					_ => None,
				})
				.sum();
			assert_eq!(
				Balances::total_issuance() + slashed,
				issuance,
				"money is only destroyed by slashes"
			);
		});
	}
}

/// Advance to block `n`, running each block's hooks on the way (the previous
/// block's `on_idle` with ample weight, then the new block's `on_initialize`).
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

/// An externality with balances only and a funded pot, for the benchmark tests.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_inference::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
