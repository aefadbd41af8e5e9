//! The inference marketplace: the model registry.

use crate::{AccountId, Balances, Runtime, RuntimeHoldReason, HOURS};
use frame_support::traits::ConstU32;
use frame_system::EnsureRoot;

impl pallet_models::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdmitOrigin = EnsureRoot<AccountId>;
	// Slashed bonds are burned.
	type Slashed = ();
	// An hour: longer than any batch's vote deadline, so a member cannot leave
	// and take its stake out before a slash for its votes lands.
	type UnbondingPeriod = ConstU32<{ HOURS }>;
	// Five blocks (10 s): time for every member's worker to load a new version
	// before the first request it must serve.
	type ActivationDelay = ConstU32<5>;
	type MaxNameLen = ConstU32<64>;
	type MaxMembers = ConstU32<16>;
	type MaxGroupsPerModel = ConstU32<8>;
	type MaxBatchSize = ConstU32<1024>;
	type MaxUnbondingChunks = ConstU32<16>;
	type MaxActivationsPerBlock = ConstU32<64>;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
}
