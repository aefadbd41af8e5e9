//! The inference marketplace: the model registry.

use super::system::RuntimeBlockWeights;
use crate::{AccountId, Balances, BlockNumber, Models, Runtime, RuntimeHoldReason, DAYS, HOURS};
use frame_support::{parameter_types, traits::ConstU32, weights::Weight, PalletId};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

/// Most requests in one batch, for both pallets.
pub const MAX_BATCH_SIZE: u32 = 1024;
/// Most members of a group, for both pallets.
pub const MAX_MEMBERS: u32 = 16;

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
	type MaxMembers = ConstU32<MAX_MEMBERS>;
	type MaxGroupsPerModel = ConstU32<8>;
	type MaxBatchSize = ConstU32<MAX_BATCH_SIZE>;
	type MaxUnbondingChunks = ConstU32<16>;
	type MaxActivationsPerBlock = ConstU32<64>;
	// The benchmarks fill an activation queue with one owner's models.
	type MaxModelsPerOwner = ConstU32<64>;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const InferencePalletId: PalletId = PalletId(*b"dbr/infr");
	/// Ten blocks (20 s) to vote: workers compute speculatively before the
	/// request is ordered, so an honest vote lands in the next block or two.
	pub const VoteTimeout: BlockNumber = 10;
	/// Four blocks (8 s) to commit: an honest worker commits in the block
	/// after its batch and reveals in the next, once every member has
	/// committed; one missing an input looks for it for 3 s first. A member
	/// that does not commit holds reveals back by this much.
	pub const CommitWindow: BlockNumber = 4;
	/// Equivocation is slashed at most once per owner per hour.
	pub const OffenceWindow: BlockNumber = HOURS;
	/// Certificates stay in state for a day; events keep them on archive nodes.
	pub const CertificateRetention: BlockNumber = DAYS;
	pub const EquivocationSlash: Perbill = Perbill::from_percent(10);
	pub MaxCloseWeight: Weight = RuntimeBlockWeights::get().max_block / 4;
}

impl pallet_inference::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Registry = Models;
	type PalletId = InferencePalletId;
	type VoteTimeout = VoteTimeout;
	type CommitWindow = CommitWindow;
	type OffenceWindow = OffenceWindow;
	type CertificateRetention = CertificateRetention;
	type MaxBatchSize = ConstU32<MAX_BATCH_SIZE>;
	type MaxMembers = ConstU32<MAX_MEMBERS>;
	type MaxRequestsPerCall = ConstU32<MAX_BATCH_SIZE>;
	type EquivocationSlash = EquivocationSlash;
	// Closing settles fees per client and per owner: a full batch of distinct
	// clients costs ~165 ms here (benchmarked). At most a quarter of the block
	// goes to closing; batches past it close in the next blocks (they take no
	// votes after their deadline either way).
	type MaxClosesPerBlock = ConstU32<8>;
	type MaxCloseWeight = MaxCloseWeight;
	// Worker keys are sr25519 accounts; a signed answer's signature is checked
	// as the account's (`MultiSignature::Sr25519`).
	type AnswerSignature = crate::Signature;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = AnswerSigner;
	type WeightInfo = pallet_inference::weights::SubstrateWeight<Runtime>;
}

/// Signs answers for the benchmark of `report_lie` with a key made in the
/// benchmark's keystore.
#[cfg(feature = "runtime-benchmarks")]
pub struct AnswerSigner;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_inference::BenchmarkHelper<AccountId, crate::Signature> for AnswerSigner {
	// Benchmark set-up only: a keystore without the key it just made is a
	// broken benchmark run, not a runtime path.
	#[allow(clippy::expect_used)]
	fn sign(message: &[u8]) -> (AccountId, crate::Signature) {
		const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dbra");
		let public = sp_io::crypto::sr25519_generate(KEY_TYPE, None);
		let signature = sp_io::crypto::sr25519_sign(KEY_TYPE, &public, message)
			.expect("the benchmark keystore holds the key it just made");
		(public.into(), signature.into())
	}
}
