//! The JSON shapes of the node's `inference_*` RPC methods, shared by the
//! node's RPC crate (which serves them) and the client library (which reads
//! them), and the error codes both sides name.
//!
//! Field names are camelCase and hashes and byte strings `0x`-hex, as in
//! Substrate's own RPC, so that any JSON-RPC client reads them unchanged.

use crate::{BatchId, BatchView, Certificate, GroupId, MemberRecord, ModelId, RequestId};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use primitive_types::H256;
use serde::{Deserialize, Serialize};

/// Block numbers as the runtime and the JSON shapes name them.
pub type BlockNumber = u32;

/// The most certificates one `inference_certificates` page returns.
pub const MAX_PAGE: u32 = 256;
/// The most request ids one `inference_certificates` page looks at, whatever
/// its filters: with filters, a page may come back short with a `next` cursor.
pub const MAX_SCAN: u64 = 4096;
/// The most blocks one `inference_certificates` range may span.
pub const MAX_RANGE: u32 = 100_000;
/// The most storage keys one `inference_stateProof` proves.
pub const MAX_PROOF_KEYS: usize = 64;

/// Error codes of the `inference_*` methods (beyond JSON-RPC's own -32602
/// for bad parameters).
pub mod code {
	/// The runtime API or the database failed (unknown block, pruned state).
	pub const RUNTIME: i32 = 4000;
	/// What was asked for is not (yet) in finalized state: retry later.
	pub const NOT_FINAL: i32 = 4001;
	/// No such request or batch.
	pub const NOT_FOUND: i32 = 4002;
}

/// The node's `inference_*` methods. `pallet-inference-rpc` serves them; the
/// generated `InferenceApiClient` calls them (the client library uses it).
#[rpc(server, client, namespace = "inference")]
pub trait InferenceApi<AccountId, Balance> {
	/// The certificate of a request (`outcome` "Pending" while undecided), at
	/// block `at` (default: best); `null` for an unknown or pruned request.
	#[method(name = "certificate")]
	fn certificate(
		&self,
		request: RequestId,
		at: Option<H256>,
	) -> RpcResult<Option<Certificate<AccountId, Balance, BlockNumber>>>;

	/// A page of certificates by ordering block range, group and/or owner.
	#[method(name = "certificates")]
	fn certificates(
		&self,
		query: CertificateQuery<AccountId>,
	) -> RpcResult<CertificatePage<AccountId, Balance, BlockNumber>>;

	/// A batch with its members, requests, votes and decisions.
	#[method(name = "batch")]
	fn batch(
		&self,
		batch: BatchId,
		at: Option<H256>,
	) -> RpcResult<Option<BatchView<AccountId, Balance, BlockNumber>>>;

	/// A group's batches that still take votes, oldest first.
	#[method(name = "pendingBatches")]
	fn pending_batches(&self, group: GroupId, at: Option<H256>) -> RpcResult<Vec<BatchId>>;

	/// A member's record in a group.
	#[method(name = "memberRecord")]
	fn member_record(
		&self,
		group: GroupId,
		model: ModelId,
		at: Option<H256>,
	) -> RpcResult<MemberRecord>;

	/// A decided certificate with a storage proof at a GRANDPA-finalized
	/// block, that block's header and justification, and the authority-set
	/// changes since set `since_set` (default 0, genesis).
	#[method(name = "certificateWithProof")]
	fn certificate_with_proof(
		&self,
		request: RequestId,
		since_set: Option<u64>,
	) -> RpcResult<CertificateProof<AccountId, Balance, BlockNumber>>;

	/// Storage values at the newest GRANDPA-justified block this node has
	/// seen, with a proof of them against that block's state root, its header
	/// and justification, and the authority-set changes since set `since_set`
	/// (default 0): what a client keeps to show offline what the chain held
	/// (a group's members and worker keys, for a quorum receipt). At most
	/// [`MAX_PROOF_KEYS`] keys.
	#[method(name = "stateProof")]
	fn state_proof(&self, keys: Vec<Bytes>, since_set: Option<u64>) -> RpcResult<StateProof>;

	/// The GRANDPA authority set this node follows now, to save as a trusted
	/// checkpoint for verifying proofs later.
	#[method(name = "checkpoint")]
	fn checkpoint(&self) -> RpcResult<Checkpoint>;

	/// Certificates as blocks decide them, optionally of one group; from best
	/// blocks (may be retracted) or, with `finalized: true`, finalized ones.
	#[subscription(
		name = "subscribeCertificates" => "decided",
		unsubscribe = "unsubscribeCertificates",
		item = Certificate<AccountId, Balance, BlockNumber>
	)]
	fn subscribe_certificates(&self, group: Option<GroupId>, finalized: Option<bool>);
}

/// Which certificates `inference_certificates` returns. All fields are
/// optional; `fromBlock` and `toBlock` bound the block that ordered the
/// request (inclusive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

impl<AccountId> Default for CertificateQuery<AccountId> {
	/// Everything: narrow it with the fields you need.
	fn default() -> Self {
		Self {
			from_block: None,
			to_block: None,
			group: None,
			owner: None,
			cursor: None,
			limit: None,
			at: None,
		}
	}
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

/// Bytes as `0x`-hex in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bytes(#[serde(with = "impl_serde::serialize")] pub Vec<u8>);

impl core::ops::Deref for Bytes {
	type Target = [u8];
	fn deref(&self) -> &[u8] {
		&self.0
	}
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
	/// Trie nodes proving [`crate::storage_keys`] at the header's state root.
	pub state_proof: Vec<Bytes>,
	/// For each authority-set change after the checkpoint's set, the header
	/// that enacted it and its justification by the outgoing set, in order.
	pub set_changes: Vec<SetChange>,
}

/// Storage at a block that GRANDPA finalized, as `inference_stateProof`
/// returns it: the same finality evidence as a [`CertificateProof`], and
/// trie nodes that open the asked keys (to their values, or to their
/// absence) against the header's state root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateProof {
	pub genesis_hash: H256,
	/// The SCALE-encoded header of the finalized block the proof is read at.
	pub header: Bytes,
	/// The GRANDPA justification that finalizes that block (SCALE).
	pub justification: Bytes,
	/// The authority set that signed the justification.
	pub set_id: u64,
	pub state_proof: Vec<Bytes>,
	/// The authority-set changes after the checkpoint's set, in order.
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
