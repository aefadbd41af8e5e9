//! The records of requests, batches, decisions and certificates, as
//! `pallet-inference` stores them and as its runtime API, the node's
//! `inference_*` RPC, the worker and the client's offline verifier read them.
//!
//! They live here, below the pallet, so that off-chain code decodes them
//! without compiling FRAME. The pallet instantiates them with its `Config`'s
//! types; off chain, bounded lists decode with [`Unbounded`].
//!
//! With the `serde` feature, the views a node serves as JSON follow
//! Substrate's conventions: camelCase field names, `0x`-hex for hashes.

use crate::{AgreementPolicy, Digest, GroupId, ModelId, Output, VersionNumber};
use alloc::vec::Vec;
use bounded_collections::{BoundedVec, Get};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use derive_where::derive_where;
use scale_info::TypeInfo;

/// Identifies a request; ids are sequential from 0 in the order requests are
/// ordered on chain.
pub type RequestId = u64;
/// Identifies a batch; ids are sequential from 0 in creation order.
pub type BatchId = u64;

/// The most certificates one runtime API call returns: bounds the work one
/// `inference_certificates` page makes a node do.
pub const MAX_CERTIFICATES_PER_CALL: u32 = 256;

/// A bound for decoding the chain's bounded records off chain: as large as needed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Unbounded;
impl Get<u32> for Unbounded {
	fn get() -> u32 {
		u32::MAX
	}
}

/// A member of a batch: a model of the group with the version that serves the
/// batch's block, as recorded when the batch was created.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct BatchMember<AccountId> {
	pub model: ModelId,
	pub owner: AccountId,
	pub version: VersionNumber,
	/// blake2-256 of the version's weights file: what the member committed
	/// to serve (no two members of a group share one).
	#[cfg_attr(feature = "serde", serde(with = "crate::hex32"))]
	pub digest: Digest,
}

/// A member's model version in a certificate: the version number and the
/// weights digest it commits to.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct MemberVersion {
	pub model: ModelId,
	pub version: VersionNumber,
	#[cfg_attr(feature = "serde", serde(with = "crate::hex32"))]
	pub digest: Digest,
}

/// A batch: the requests for one group ordered in one block.
#[derive(Encode, Decode, TypeInfo, MaxEncodedLen)]
#[derive_where(Clone, PartialEq, Eq, Debug; AccountId, Balance, BlockNumber)]
#[scale_info(skip_type_params(MaxMembers))]
#[codec(mel_bound(AccountId: MaxEncodedLen, Balance: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct BatchInfo<AccountId, Balance, BlockNumber, MaxMembers: Get<u32>> {
	pub group: GroupId,
	/// The block that ordered the batch's requests.
	pub created: BlockNumber,
	/// Votes are taken in blocks before this one; in this block the batch
	/// closes and requests still undecided expire.
	pub deadline: BlockNumber,
	/// The last block that takes commitments. Reveals are taken once every
	/// member has committed, or after this block.
	pub commit_until: BlockNumber,
	/// Members that have committed.
	pub committed: u32,
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct RequestEntry<AccountId> {
	pub id: RequestId,
	pub client: AccountId,
	/// blake2-256 of the input bytes the client gave the workers.
	#[cfg_attr(feature = "serde", serde(with = "crate::hex32"))]
	pub input_hash: Digest,
}

/// What became of a request.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Outcome {
	/// Not decided yet.
	Pending,
	/// At least a quorum of members gave this output.
	Certified(Output),
	/// No output can reach the quorum any more, whatever the missing members vote.
	NoAgreement,
	/// The batch reached its deadline before the request was decided.
	Expired,
	/// At least a quorum of members reported that they could not get the
	/// input's bytes: the client ordered an input it never gave them. The fee
	/// goes to the members that reported it.
	InputUnavailable,
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Decision<BlockNumber> {
	/// The request's position in its batch.
	pub index: u32,
	pub request: RequestId,
	pub outcome: Outcome,
	/// Members whose output is the decided one (the certified output, or
	/// `Unavailable` for an input-unavailable request).
	pub agreed: u32,
	/// Members that had voted.
	pub voted: u32,
	pub decided_at: BlockNumber,
}

/// A member's record in one group, for explorers and governance. Counted per
/// request when a batch closes, from the revealed votes it holds then: a
/// commitment never revealed counts as missed.
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct MemberRecord {
	/// Closed batches the member was part of.
	pub batches: u64,
	/// Certified requests where the member's output was the certified one.
	pub agreed: u64,
	/// Certified requests where the member voted another class.
	pub dissented: u64,
	/// Requests (certified or not) the member did not reveal a vote on.
	pub missed: u64,
	/// Requests the member reported as `Unavailable` (input bytes not found).
	pub unavailable: u64,
	/// Uncertified requests (no agreement, expired) the member voted a class on.
	pub unresolved: u64,
	/// Batches for which the member's worker sent two different commitments.
	pub equivocated: u64,
	/// Lies proven against the member (`report_lie`): answers its worker
	/// signed for a request that differ from the vote it revealed on it.
	pub lied: u64,
}

/// An inference certificate, as the runtime API assembles it from storage.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Certificate<AccountId, Balance, BlockNumber> {
	pub request: RequestId,
	pub batch: BatchId,
	pub index: u32,
	pub group: GroupId,
	pub client: AccountId,
	#[cfg_attr(feature = "serde", serde(with = "crate::hex32"))]
	pub input_hash: Digest,
	pub fee: Balance,
	pub outcome: Outcome,
	/// Every member of the batch with the version that served the request
	/// and that version's weights digest.
	pub versions: Vec<MemberVersion>,
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct BatchView<AccountId, Balance, BlockNumber> {
	pub id: BatchId,
	pub group: GroupId,
	pub created: BlockNumber,
	pub deadline: BlockNumber,
	/// The last block that takes commitments (reveals open after it, or once
	/// every member has committed).
	pub commit_until: BlockNumber,
	pub policy: AgreementPolicy,
	pub quorum: u32,
	pub price: Balance,
	pub closed: bool,
	pub members: Vec<BatchMember<AccountId>>,
	pub requests: Vec<RequestEntry<AccountId>>,
	/// Whether each member (in member order) has committed.
	pub committed: Vec<bool>,
	/// Each member's revealed outputs (in member order), `None` where it has
	/// not revealed.
	pub votes: Vec<Option<Vec<Output>>>,
	/// Each request's decision so far (`Pending` entries have empty masks).
	pub decisions: Vec<Decision<BlockNumber>>,
}

/// The mask bit of member position `p` (0 beyond 32 members).
pub fn bit(p: u32) -> u32 {
	1u32.checked_shl(p).unwrap_or(0)
}

/// Positions of the set bits of a member mask.
pub fn mask_members(mask: u32) -> impl Iterator<Item = u32> {
	(0..32u32).filter(move |i| mask & bit(*i) != 0)
}

/// The certificate of request `request`, at position `index` of batch
/// `batch_id`, from the batch (`Batches`), its requests (`BatchRequests`) and
/// its decisions (`Decisions`, absent until the batch's first decision).
/// `None` when `index` is not a position of the batch or names another request.
///
/// A pure function of those storage values: the runtime API and an offline
/// verifier (which reads the same values out of a storage proof) build a
/// certificate with this one piece of code.
pub fn assemble<AccountId, Balance, BlockNumber, MaxMembers>(
	request: RequestId,
	batch_id: BatchId,
	index: u32,
	batch: &BatchInfo<AccountId, Balance, BlockNumber, MaxMembers>,
	requests: &[RequestEntry<AccountId>],
	decisions: Option<&[Decision<BlockNumber>]>,
) -> Option<Certificate<AccountId, Balance, BlockNumber>>
where
	AccountId: Clone,
	Balance: Clone,
	BlockNumber: Clone,
	MaxMembers: Get<u32>,
{
	let entry = requests.get(index as usize)?;
	if entry.id != request {
		return None;
	}
	let decision =
		decisions.and_then(|d| d.get(index as usize)).filter(|d| !d.outcome.is_pending());
	let (outcome, agreed, voted, decided_at) = match decision {
		Some(d) => (d.outcome.clone(), d.agreed, d.voted, Some(d.decided_at.clone())),
		None => (Outcome::Pending, 0, 0, None),
	};
	let decided = decided_at.is_some();
	let pick = |keep: &dyn Fn(u32) -> bool| -> Vec<ModelId> {
		if !decided {
			return Vec::new();
		}
		let members = batch.members.iter().enumerate();
		members.filter(|(p, _)| keep(*p as u32)).map(|(_, m)| m.model).collect()
	};
	let is = |mask: u32, p: u32| mask & bit(p) != 0;
	Some(Certificate {
		request,
		batch: batch_id,
		index,
		group: batch.group,
		client: entry.client.clone(),
		input_hash: entry.input_hash,
		fee: batch.price.clone(),
		versions: batch
			.members
			.iter()
			.map(|m| MemberVersion { model: m.model, version: m.version, digest: m.digest })
			.collect(),
		owners: batch.members.iter().map(|m| (m.model, m.owner.clone())).collect(),
		agreed: pick(&|p| is(agreed, p)),
		dissented: pick(&|p| is(voted, p) && !is(agreed, p)),
		not_voted: pick(&|p| !is(voted, p)),
		outcome,
		ordered_at: batch.created.clone(),
		decided_at,
	})
}

impl<AccountId, Balance, BlockNumber> BatchView<AccountId, Balance, BlockNumber> {
	/// Whether the batch takes reveals in a block built on this view's
	/// block: every member has committed, or the commit window ended.
	pub fn reveals_open_after(&self, at: BlockNumber) -> bool
	where
		BlockNumber: PartialOrd,
	{
		self.committed.iter().all(|c| *c) || at >= self.commit_until
	}
}

/// A member's commitment to its outputs for a batch: blake2-256 of the SCALE
/// encoding of `(b"dropbear/commit", batch, model, version, outputs, salt)`.
/// The salt is 32 random bytes the member keeps until it reveals: without it
/// a commitment to one of a few labels could be guessed.
pub fn commitment(
	batch: BatchId,
	model: ModelId,
	version: VersionNumber,
	outputs: &[Output],
	salt: &Digest,
) -> Digest {
	let mut bytes = Vec::new();
	(b"dropbear/commit", batch, model, version, outputs, salt).encode_to(&mut bytes);
	sp_crypto_hashing::blake2_256(&bytes)
}

/// The digest of a batch's requests: their input hashes in batch order,
/// chained one request at a time from [`NO_REQUESTS`] by
/// [`extend_requests_digest`]. The pallet extends a batch's digest as each
/// request joins it (one hash per request, no read of the list), and a
/// worker computes it from the requests it read; a commitment carries it.
/// Two forks that order different requests under one batch id give the
/// batch two digests, so a commitment made on one is refused on the other.
pub fn requests_digest<'a>(input_hashes: impl IntoIterator<Item = &'a Digest>) -> Digest {
	input_hashes.into_iter().fold(NO_REQUESTS, |digest, h| extend_requests_digest(&digest, h))
}

/// The [`requests_digest`] of a batch with no requests yet.
pub const NO_REQUESTS: Digest = [0; 32];

/// The [`requests_digest`] of a batch whose digest was `digest` once a
/// request for `input_hash` joins it: blake2-256 of `digest ++ input_hash`.
pub fn extend_requests_digest(digest: &Digest, input_hash: &Digest) -> Digest {
	// SCALE encodes two byte arrays as their concatenation.
	sp_crypto_hashing::blake2_256(&(digest, input_hash).encode())
}

/// The storage items a certificate is assembled from, in the order
/// [`storage_keys`] returns their keys.
pub const CERTIFICATE_ITEMS: [&str; 4] = ["Requests", "Batches", "BatchRequests", "Decisions"];

/// The storage keys a certificate is assembled from, for pallet-inference
/// placed in the runtime under `pallet_name`: `Requests(request)`,
/// `Batches(batch)`, `BatchRequests(batch)`, `Decisions(batch)`. A storage
/// proof of these keys proves a certificate. All four maps hash their key
/// with `Twox64Concat`; the pallet's tests check these keys against the maps'
/// own, so a change of hasher there fails them.
pub fn storage_keys(pallet_name: &str, request: RequestId, batch: BatchId) -> [Vec<u8>; 4] {
	use sp_crypto_hashing::{twox_128, twox_64};
	let key = |item: &str, k: &[u8]| -> Vec<u8> {
		let mut key = Vec::new();
		key.extend(twox_128(pallet_name.as_bytes()));
		key.extend(twox_128(item.as_bytes()));
		key.extend(twox_64(k));
		key.extend(k);
		key
	};
	let [requests, batches, batch_requests, decisions] = CERTIFICATE_ITEMS;
	[
		key(requests, &request.encode()),
		key(batches, &batch.encode()),
		key(batch_requests, &batch.encode()),
		key(decisions, &batch.encode()),
	]
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn requests_digest_chains_input_hashes_in_order() {
		let (a, b) = ([1u8; 32], [2u8; 32]);
		assert_eq!(requests_digest(&[]), NO_REQUESTS);
		let one = extend_requests_digest(&NO_REQUESTS, &a);
		assert_eq!(requests_digest(&[a]), one);
		assert_eq!(requests_digest(&[a, b]), extend_requests_digest(&one, &b));
		let mut joined = NO_REQUESTS.to_vec();
		joined.extend(a);
		assert_eq!(one, sp_crypto_hashing::blake2_256(&joined), "digest ++ input hash");
		// Other requests, or the same in another order, give another digest.
		assert_ne!(requests_digest(&[b, a]), requests_digest(&[a, b]));
		assert_ne!(requests_digest(&[a]), requests_digest(&[a, a]));
	}
}
