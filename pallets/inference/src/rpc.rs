//! The JSON shapes of the node's `inference_*` RPC methods, shared by the
//! node (which serves them) and the client library (which reads them).

use crate::{Certificate, GroupId, RequestId};
use serde::{Deserialize, Serialize};
use sp_core::{Bytes, H256};

/// The most certificates one `inference_certificates` page returns.
pub const MAX_PAGE: u32 = 256;
/// The most request ids one `inference_certificates` page looks at, whatever
/// its filters: with filters, a page may come back short with a `next` cursor.
pub const MAX_SCAN: u64 = 4096;
/// The most blocks one `inference_certificates` range may span.
pub const MAX_RANGE: u32 = 100_000;

/// Which certificates `inference_certificates` returns. All fields are
/// optional; `from_block` and `to_block` bound the block that ordered the
/// request (inclusive).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateQuery<AccountId> {
	pub from_block: Option<u32>,
	pub to_block: Option<u32>,
	pub group: Option<GroupId>,
	/// Only batches in which one of this owner's models was a member.
	pub owner: Option<AccountId>,
	/// Continue from this request id (a previous page's `next`).
	pub cursor: Option<RequestId>,
	/// At most this many certificates (default and maximum [`MAX_PAGE`]).
	pub limit: Option<u32>,
	/// Read at this block (default: the best block).
	pub at: Option<H256>,
}

/// One page of certificates, oldest request first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificatePage<AccountId, Balance, BlockNumber> {
	pub certificates: Vec<Certificate<AccountId, Balance, BlockNumber>>,
	/// Pass as `cursor` to get the next page; `None` when the query is done.
	pub next: Option<RequestId>,
	/// The block the page was read at.
	pub at: H256,
}

/// A certificate with what an offline verifier needs to trust it: the
/// storage it was assembled from, proven against the state root of a block
/// that GRANDPA finalized, and the authority-set changes from a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateProof<AccountId, Balance, BlockNumber> {
	pub certificate: Certificate<AccountId, Balance, BlockNumber>,
	pub genesis_hash: H256,
	/// The runtime's name for pallet-inference (the storage key prefix).
	pub pallet: String,
	/// The SCALE-encoded header of the finalized block the proof is read at.
	pub header: Bytes,
	/// The GRANDPA justification that finalizes that block (SCALE).
	pub justification: Bytes,
	/// The authority set that signed the justification.
	pub set_id: u64,
	/// Trie nodes proving `certificate::storage_keys` at the header's state root.
	pub state_proof: Vec<Bytes>,
	/// For each authority-set change after the checkpoint's set, the header
	/// that enacted it and its justification by the outgoing set, in order.
	pub set_changes: Vec<SetChange>,
}

/// A block that changed the GRANDPA authority set, with its justification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetChange {
	pub header: Bytes,
	pub justification: Bytes,
}

/// A trusted GRANDPA authority set to verify proofs from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
	pub genesis_hash: H256,
	pub set_id: u64,
	/// (ed25519 public key, weight) of each authority.
	pub authorities: Vec<(H256, u64)>,
	/// The finalized block the set was read at (for the record).
	pub block_number: u32,
	pub block_hash: H256,
}
