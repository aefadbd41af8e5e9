//! The runtime API the node's `inference_*` RPC methods and clients use. Its
//! types are `dropbear-primitives`' (re-exported by this crate), so a caller
//! decodes the answers without FRAME.

use crate::{BatchId, BatchView, Certificate, GroupId, MemberRecord, ModelId, RequestId};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Certificates, batches and member records of `pallet-inference`.
	pub trait InferenceApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The certificate of a request (outcome `Pending` while undecided);
		/// `None` for an unknown request or one pruned after its retention.
		fn certificate(request: RequestId) -> Option<Certificate<AccountId, Balance, BlockNumber>>;
		/// The certificates of requests `first`, `first + 1`, ... (at most
		/// `count` ids, capped at 256); pruned or unknown ids are skipped.
		fn certificates(first: RequestId, count: u32) -> Vec<Certificate<AccountId, Balance, BlockNumber>>;
		/// A batch with its members, requests, votes and decisions.
		fn batch(batch: BatchId) -> Option<BatchView<AccountId, Balance, BlockNumber>>;
		/// A group's batches that still take votes, oldest first.
		fn pending_batches(group: GroupId) -> Vec<BatchId>;
		/// A member's record in a group (all zero for a member never in a batch).
		fn member_record(group: GroupId, model: ModelId) -> MemberRecord;
		/// The certificates this block decided (from its `Decided` events), of
		/// `group` or of every group, in event order.
		fn decided_in_block(group: Option<GroupId>) -> Vec<Certificate<AccountId, Balance, BlockNumber>>;
		/// The id the next request will get (the number of requests ever ordered).
		fn next_request_id() -> RequestId;
		/// The name the runtime gives this pallet: the prefix of the storage
		/// keys that prove a certificate (`dropbear_primitives::storage_keys`).
		fn pallet_name() -> Vec<u8>;
	}
}
