//! How a certificate is assembled from storage, as a pure function of the
//! storage values, so that the runtime API and an offline verifier (which
//! reads the same values out of a storage proof) build it with the same code.

use crate::{
	bit, BatchId, BatchInfo, Certificate, Decision, ModelId, Outcome, RequestEntry, RequestId,
};
use alloc::vec::Vec;
use frame_support::traits::Get;

/// The certificate of request `request`, at position `index` of batch
/// `batch_id`, from the batch (`Batches`), its requests (`BatchRequests`) and
/// its decisions (`Decisions`, absent until the batch's first decision).
/// `None` when `index` is not a position of the batch or names another request.
pub fn assemble<AccountId, Balance, BlockNumber, MaxMembers>(
	request: RequestId,
	batch_id: BatchId,
	index: u32,
	batch: &BatchInfo<AccountId, Balance, BlockNumber, MaxMembers>,
	requests: &[RequestEntry<AccountId>],
	decisions: Option<&[Decision<BlockNumber>]>,
) -> Option<Certificate<AccountId, Balance, BlockNumber>>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
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
		versions: batch.members.iter().map(|m| (m.model, m.version)).collect(),
		owners: batch.members.iter().map(|m| (m.model, m.owner.clone())).collect(),
		agreed: pick(&|p| is(agreed, p)),
		dissented: pick(&|p| is(voted, p) && !is(agreed, p)),
		not_voted: pick(&|p| !is(voted, p)),
		outcome,
		ordered_at: batch.created.clone(),
		decided_at,
	})
}

/// The storage keys a certificate is assembled from, for a pallet placed in
/// the runtime under `pallet_name`: `Requests(request)`, `Batches(batch)`,
/// `BatchRequests(batch)`, `Decisions(batch)`. A storage proof of these keys
/// proves a certificate. (All four maps hash their key with `Twox64Concat`;
/// the pallet's tests check these keys against the maps' own.)
pub fn storage_keys(pallet_name: &str, request: RequestId, batch: BatchId) -> [Vec<u8>; 4] {
	use codec::Encode;
	use frame_support::{storage::storage_prefix, StorageHasher, Twox64Concat};
	let key = |item: &str, k: &[u8]| -> Vec<u8> {
		let mut key = storage_prefix(pallet_name.as_bytes(), item.as_bytes()).to_vec();
		key.extend(Twox64Concat::hash(k));
		key
	};
	[
		key("Requests", &request.encode()),
		key("Batches", &batch.encode()),
		key("BatchRequests", &batch.encode()),
		key("Decisions", &batch.encode()),
	]
}
