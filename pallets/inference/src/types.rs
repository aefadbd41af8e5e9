//! Records kept by `pallet-inference`. The records and views that off-chain
//! code reads too (batches, requests, decisions, certificates, member
//! records) are defined in `dropbear-primitives` and re-exported here; only
//! what never leaves the runtime is defined in this file.

use codec::{Decode, Encode, MaxEncodedLen};
use dropbear_primitives::{Digest, Output};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

pub use dropbear_primitives::inference::{
	mask_members, BatchId, BatchInfo, BatchMember, BatchView, Certificate, Decision, MemberRecord,
	Outcome, RequestEntry, RequestId,
};

/// One member's revealed vote on a batch.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxBatch))]
#[codec(mel_bound(BlockNumber: MaxEncodedLen))]
pub struct Vote<BlockNumber, MaxBatch: Get<u32>>
where
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
{
	/// One canonical output per request, in batch order.
	pub outputs: BoundedVec<Output, MaxBatch>,
	/// Block the reveal was included in.
	pub at: BlockNumber,
}

/// The key that revealed a member's vote on a batch: the one its signed
/// answers are checked against when someone reports a lie.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Revealer<AccountId> {
	/// The worker key authorized for the member's model when it revealed.
	pub key: AccountId,
	/// A lie against this vote was proven (and its owner slashed, at most
	/// once per offence window); the vote cannot be reported again.
	pub convicted: bool,
}

/// One member's commitment to its outputs for a batch.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Commitment<BlockNumber> {
	/// [`dropbear_primitives::inference::commitment`] of the outputs to reveal.
	pub digest: Digest,
	/// Block the commitment was included in.
	pub at: BlockNumber,
	/// The member later sent a different commitment for this batch (and its
	/// owner was slashed, at most once per offence window); this first one
	/// still stands.
	pub equivocated: bool,
}
