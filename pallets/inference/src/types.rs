//! Records kept by `pallet-inference`, and the views its runtime API returns.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use dropbear_primitives::{AgreementPolicy, Digest, GroupId, ModelId, Output, VersionNumber};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// Identifies a request; ids are sequential from 0 in the order requests are
/// ordered on chain.
pub type RequestId = u64;
/// Identifies a batch; ids are sequential from 0 in creation order.
pub type BatchId = u64;

/// A member of a batch: a model of the group with the version that serves the
/// batch's block, as recorded when the batch was created.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct BatchMember<AccountId> {
	pub model: ModelId,
	pub owner: AccountId,
	/// The key whose vote counts for this member (none: the member cannot vote).
	pub worker: Option<AccountId>,
	pub version: VersionNumber,
}

/// A batch: the requests for one group ordered in one block.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxMembers))]
#[codec(mel_bound(AccountId: MaxEncodedLen, Balance: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct BatchInfo<AccountId, Balance, BlockNumber, MaxMembers: Get<u32>>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
{
	pub group: GroupId,
	/// The block that ordered the batch's requests.
	pub created: BlockNumber,
	/// Votes are taken in blocks before this one; in this block the batch
	/// closes and requests still undecided expire.
	pub deadline: BlockNumber,
	pub policy: AgreementPolicy,
	pub quorum: u32,
	/// Labels in votes must be below this.
	pub classes: u32,
	/// Fee each request of the batch pays (the group's price at creation).
	pub price: Balance,
	/// Most requests the batch takes (the group's maximum batch size).
	pub capacity: u32,
	/// Requests in the batch.
	pub len: u32,
	/// Requests not yet decided.
	pub undecided: u32,
	/// Closed at its deadline: no more votes, member records counted.
	pub closed: bool,
	/// The group's members with their serving versions at `created`.
	pub members: BoundedVec<BatchMember<AccountId>, MaxMembers>,
}

/// A request as its batch lists it.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct RequestEntry<AccountId> {
	pub id: RequestId,
	pub client: AccountId,
	/// blake2-256 of the input bytes the client gave the workers.
	pub input_hash: Digest,
}

/// What became of a request.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub enum Outcome {
	/// Not decided yet.
	Pending,
	/// At least a quorum of members gave this output.
	Certified(Output),
	/// No output can reach the quorum any more, whatever the missing members vote.
	NoAgreement,
	/// The batch reached its deadline before the request was decided.
	Expired,
}

impl Outcome {
	pub fn is_pending(&self) -> bool {
		matches!(self, Outcome::Pending)
	}
}

/// A request's outcome with who had voted how when it was decided. Bit `i`
/// of a mask is the `i`-th member of the batch.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct Decision<BlockNumber> {
	/// The request's position in its batch.
	pub index: u32,
	pub request: RequestId,
	pub outcome: Outcome,
	/// Members whose output is the certified one.
	pub agreed: u32,
	/// Members that had voted.
	pub voted: u32,
	pub decided_at: BlockNumber,
}

/// One member's vote on a batch.
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
	/// Block the vote was included in.
	pub at: BlockNumber,
	/// The worker later sent a different vote for this batch (and its owner
	/// was slashed); this first vote still stands.
	pub equivocated: bool,
}

/// A member's record in one group, for explorers and governance. Counted per
/// request when a batch closes, from the votes it holds then (late votes
/// included).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct MemberRecord {
	/// Closed batches the member was part of.
	pub batches: u64,
	/// Certified requests where the member's output was the certified one.
	pub agreed: u64,
	/// Certified requests where the member voted another output.
	pub dissented: u64,
	/// Requests (certified or not) the member never voted on.
	pub missed: u64,
	/// Uncertified requests (no agreement, expired) the member voted on.
	pub unresolved: u64,
	/// Batches for which the member's worker sent two different votes.
	pub equivocated: u64,
}

/// An inference certificate, as the runtime API assembles it from storage.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct Certificate<AccountId, Balance, BlockNumber> {
	pub request: RequestId,
	pub batch: BatchId,
	pub index: u32,
	pub group: GroupId,
	pub client: AccountId,
	pub input_hash: Digest,
	pub fee: Balance,
	pub outcome: Outcome,
	/// Every member of the batch with the version that served the request.
	pub versions: Vec<(ModelId, VersionNumber)>,
	/// The owner of every member of the batch (paid when its member agreed).
	pub owners: Vec<(ModelId, AccountId)>,
	pub agreed: Vec<ModelId>,
	pub dissented: Vec<ModelId>,
	pub not_voted: Vec<ModelId>,
	/// The block that ordered the request.
	pub ordered_at: BlockNumber,
	/// The block that decided it (`None` while pending).
	pub decided_at: Option<BlockNumber>,
}

/// A batch with its requests, votes and outcomes, for the runtime API.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct BatchView<AccountId, Balance, BlockNumber> {
	pub id: BatchId,
	pub group: GroupId,
	pub created: BlockNumber,
	pub deadline: BlockNumber,
	pub policy: AgreementPolicy,
	pub quorum: u32,
	pub price: Balance,
	pub closed: bool,
	pub members: Vec<BatchMember<AccountId>>,
	pub requests: Vec<RequestEntry<AccountId>>,
	/// Each member's outputs (in member order), `None` where it has not voted.
	pub votes: Vec<Option<Vec<Output>>>,
	/// Each request's decision so far (`Pending` entries have empty masks).
	pub decisions: Vec<Decision<BlockNumber>>,
}

/// Positions of the set bits of a member mask.
pub fn mask_members(mask: u32) -> impl Iterator<Item = u32> {
	(0..32u32).filter(move |i| mask & (1u32 << i) != 0)
}
