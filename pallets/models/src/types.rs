//! Records kept by `pallet-models`.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use dropbear_primitives::{
	AgreementPolicy, Digest, InputSpec, ModelId, Task, VersionNumber, WeightsFormat,
};
use frame_support::{
	traits::{ConstU32, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// Longest libp2p peer id, in bytes (an ed25519 key's identity multihash is 38).
pub const MAX_PEER_ID_LEN: u32 = 64;
/// Most addresses a worker announces.
pub const MAX_PEER_ADDRS: u32 = 4;
/// Longest announced address, in bytes (a multiaddr's binary form).
pub const MAX_PEER_ADDR_LEN: u32 = 128;

/// Where the other members of its groups reach a model's worker over libp2p:
/// its peer id and addresses, set by the worker key itself. The runtime keeps
/// the bytes as given; workers parse them and connect only to the peer ids
/// of their groups' members.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct WorkerPeer {
	/// The peer id's bytes (its multihash).
	pub peer_id: BoundedVec<u8, ConstU32<MAX_PEER_ID_LEN>>,
	/// Multiaddrs in binary form, without a `/p2p/` suffix.
	pub addrs: BoundedVec<BoundedVec<u8, ConstU32<MAX_PEER_ADDR_LEN>>, ConstU32<MAX_PEER_ADDRS>>,
}

/// Stake an owner has bonded and stake on its way out.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxChunks))]
#[codec(mel_bound(Balance: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct OwnerInfo<Balance, BlockNumber, MaxChunks: Get<u32>>
where
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
{
	/// Bonded stake, held under `HoldReason::Bond`.
	pub bonded: Balance,
	/// Stake being unbonded: still held, released at its block.
	pub unbonding: BoundedVec<UnbondingChunk<Balance, BlockNumber>, MaxChunks>,
	/// What the owner's group memberships commit: the sum of the minimum member
	/// bonds of the groups its models are in. Joining needs `bonded` to cover it
	/// and unbonding cannot go below it; only a slash can leave it uncovered.
	pub backing: Balance,
}

/// Stake released at block `until`.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct UnbondingChunk<Balance, BlockNumber> {
	pub amount: Balance,
	pub until: BlockNumber,
}

/// One committed version of a model's weights.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct VersionRecord<BlockNumber> {
	/// blake2-256 of the weights file; the owner's worker refuses to serve a
	/// file with another digest.
	pub digest: Digest,
	pub format: WeightsFormat,
	/// Block of the `publish_version` (or `register_model`) that committed it.
	pub published_at: BlockNumber,
	/// First block whose requests are served by this version.
	pub active_from: BlockNumber,
}

/// A version waiting for its activation block.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct PendingVersion<BlockNumber> {
	pub version: VersionNumber,
	pub active_from: BlockNumber,
}

/// A registered model.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxNameLen))]
#[codec(mel_bound(AccountId: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct ModelInfo<AccountId, BlockNumber, MaxNameLen: Get<u32>>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
{
	pub owner: AccountId,
	pub name: BoundedVec<u8, MaxNameLen>,
	pub task: Task,
	pub input: InputSpec,
	/// The version serving requests now.
	pub current: VersionNumber,
	/// A published version not yet active.
	pub pending: Option<PendingVersion<BlockNumber>>,
	/// The worker key that votes for this model.
	pub worker: Option<AccountId>,
	/// A retired model is in no group and serves nothing; it stays on record.
	pub retired: bool,
}

/// A member of a group: one owner's model.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct GroupMember<AccountId> {
	pub owner: AccountId,
	pub model: ModelId,
}

/// A model group: models of different owners that serve the same task.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxMembers))]
#[codec(mel_bound(AccountId: MaxEncodedLen, Balance: MaxEncodedLen))]
pub struct GroupInfo<AccountId, Balance, MaxMembers: Get<u32>>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
{
	/// Who created it: an owner, or `None` for root.
	pub creator: Option<AccountId>,
	pub task: Task,
	pub input: InputSpec,
	pub policy: AgreementPolicy,
	/// Equal answers needed to certify a request. Always more than half the
	/// members while the group is active, so two answers can never both be
	/// certified.
	pub quorum: u32,
	/// Fee per request, split among the members that agreed.
	pub price: Balance,
	/// Most requests in one batch.
	pub max_batch: u32,
	/// Bond each member's owner commits to this group.
	pub min_member_bond: Balance,
	pub members: BoundedVec<GroupMember<AccountId>, MaxMembers>,
	/// Whether the group takes requests: at least `quorum` members.
	pub active: bool,
}

impl<AccountId, Balance, MaxMembers> GroupInfo<AccountId, Balance, MaxMembers>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxMembers: Get<u32>,
{
	/// Most members a group with this quorum may have: beyond `2q - 1`, the
	/// quorum would no longer be a strict majority.
	pub fn capacity(&self) -> u32 {
		self.quorum.saturating_mul(2).saturating_sub(1).min(MaxMembers::get())
	}

	/// Whether the current members can certify: at least a quorum, and the
	/// quorum a strict majority of them.
	pub fn can_certify(&self) -> bool {
		let n = self.members.len() as u64;
		let q = u64::from(self.quorum);
		q >= 1 && n >= q && q.saturating_mul(2) > n
	}
}
