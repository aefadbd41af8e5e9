//! `inference_*` JSON-RPC: certificates for dApps and explorers, read through
//! pallet-inference's runtime API, and certificates with a finality proof that
//! a client checks offline.
//!
//! Every method bounds its work: a page looks at most `MAX_SCAN` request ids
//! and returns at most `MAX_PAGE` certificates, a block range spans at most
//! `MAX_RANGE` blocks, and a proof covers one request.
//!
//! A proof is read at the newest block whose GRANDPA justification this node
//! has seen (a task follows the justification stream), so that the storage
//! proof, the header and the justification all name one block, and the
//! certificate is still in the retained state there.

use crate::service::FullClient;
use codec::{Decode, Encode};
use dropbear_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Runtime, RuntimeEvent};
use futures::{FutureExt, StreamExt};
use jsonrpsee::{
	core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned, PendingSubscriptionSink,
};
use pallet_inference::{
	rpc::{
		CertificatePage, CertificateProof, CertificateQuery, Checkpoint, SetChange, MAX_PAGE,
		MAX_RANGE, MAX_SCAN,
	},
	runtime_api::InferenceApi as InferenceRuntimeApi,
	BatchId, BatchView, Certificate, GroupId, MemberRecord, ModelId, Outcome, RequestId,
	MAX_CERTIFICATES_PER_CALL,
};
use sc_client_api::{BlockBackend, BlockchainEvents, ProofProvider, StorageProvider};
use sc_consensus_grandpa::{GrandpaJustificationStream, SharedAuthoritySet};
use sc_rpc::{
	utils::{BoundedVecDeque, PendingSubscription},
	SubscriptionTaskExecutor,
};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{Bytes, H256};
use sp_runtime::traits::Block as BlockT;
use std::sync::{Arc, RwLock};

type Cert = Certificate<AccountId, Balance, BlockNumber>;
type Page = CertificatePage<AccountId, Balance, BlockNumber>;
type Proof = CertificateProof<AccountId, Balance, BlockNumber>;

/// The name pallet-inference has in the runtime (its storage key prefix).
const PALLET: &str = "Inference";
/// Certificates a subscription holds for a subscriber that reads slower than
/// blocks decide them. One block can decide thousands (one vote covers a
/// whole batch), and a finality notification can cover several blocks at
/// once; a subscriber that falls further behind than this is dropped (its
/// stream ends) and catches up with `inference_certificates` by block range.
const SUBSCRIPTION_BUFFER: usize = 16_384;

/// Error codes (beyond JSON-RPC's own -32602 for bad parameters).
pub mod code {
	/// The runtime API or the database failed (unknown block, pruned state).
	pub const RUNTIME: i32 = 4000;
	/// What was asked for is not (yet) in finalized state: retry later.
	pub const NOT_FINAL: i32 = 4001;
	/// No such request or batch.
	pub const NOT_FOUND: i32 = 4002;
}

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

fn runtime<R>(what: &str, result: Result<R, sp_api::ApiError>) -> RpcResult<R> {
	result.map_err(|e| error(code::RUNTIME, format!("runtime API {what}: {e}")))
}

fn invalid(message: impl Into<String>) -> ErrorObjectOwned {
	error(jsonrpsee::types::error::INVALID_PARAMS_CODE, message)
}

#[rpc(server, namespace = "inference")]
pub trait InferenceApi {
	/// The certificate of a request (`outcome` "Pending" while undecided), at
	/// block `at` (default: best); `null` for an unknown or pruned request.
	#[method(name = "certificate")]
	fn certificate(&self, request: RequestId, at: Option<H256>) -> RpcResult<Option<Cert>>;

	/// A page of certificates by ordering block range, group and/or owner.
	#[method(name = "certificates")]
	fn certificates(&self, query: CertificateQuery<AccountId>) -> RpcResult<Page>;

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
	) -> RpcResult<Proof>;

	/// The GRANDPA authority set this node follows now, to save as a trusted
	/// checkpoint for verifying proofs later.
	#[method(name = "checkpoint")]
	fn checkpoint(&self) -> RpcResult<Checkpoint>;

	/// Certificates as blocks decide them, optionally of one group; from best
	/// blocks (may be retracted) or, with `finalized: true`, finalized ones.
	#[subscription(
		name = "subscribeCertificates" => "decided",
		unsubscribe = "unsubscribeCertificates",
		item = Cert
	)]
	fn subscribe_certificates(&self, group: Option<GroupId>, finalized: Option<bool>);
}

/// The newest GRANDPA justification this node has seen.
#[derive(Clone)]
struct Justified {
	hash: H256,
	number: BlockNumber,
	encoded: Vec<u8>,
}

pub struct Inference {
	client: Arc<FullClient>,
	authority_set: SharedAuthoritySet<H256, BlockNumber>,
	latest: Arc<RwLock<Option<Justified>>>,
	executor: SubscriptionTaskExecutor,
}

impl Inference {
	/// Serve the methods, and follow GRANDPA's justifications in a task.
	pub fn new(
		client: Arc<FullClient>,
		authority_set: SharedAuthoritySet<H256, BlockNumber>,
		justifications: GrandpaJustificationStream<Block>,
		executor: SubscriptionTaskExecutor,
	) -> Self {
		let finalized = client.info().finalized_hash;
		let stored = client
			.justifications(finalized)
			.ok()
			.flatten()
			.and_then(|j| j.into_justification(sp_consensus_grandpa::GRANDPA_ENGINE_ID))
			.map(|encoded| Justified {
				hash: finalized,
				number: client.info().finalized_number,
				encoded,
			});
		let latest = Arc::new(RwLock::new(stored));
		let follower = latest.clone();
		let mut stream = justifications.subscribe(1024);
		executor.spawn(
			"inference-rpc-justifications",
			Some("rpc"),
			async move {
				while let Some(justification) = stream.next().await {
					let (number, hash) = justification.target();
					let next = Justified { hash, number, encoded: justification.encode() };
					if let Ok(mut latest) = follower.write() {
						*latest = Some(next);
					}
				}
			}
			.boxed(),
		);
		Self { client, authority_set, latest, executor }
	}

	fn at(&self, at: Option<H256>) -> H256 {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}

	fn api(&self) -> sp_api::ApiRef<'_, <FullClient as ProvideRuntimeApi<Block>>::Api> {
		self.client.runtime_api()
	}

	/// The first request id ordered at or after block `from`, by binary search
	/// over ids (ids grow with blocks); pruned ids count as older.
	fn first_request_from(
		&self,
		at: H256,
		from: BlockNumber,
		next_id: RequestId,
	) -> RpcResult<RequestId> {
		let (mut lo, mut hi) = (0u64, next_id);
		while lo < hi {
			let mid = lo + (hi - lo) / 2;
			let older = match runtime("certificate", self.api().certificate(at, mid))? {
				Some(c) => c.ordered_at < from,
				None => true,
			};
			if older {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		Ok(lo)
	}

	fn next_request_id(&self, at: H256) -> RpcResult<RequestId> {
		let key = sp_core::storage::StorageKey(
			pallet_inference::NextRequestId::<Runtime>::hashed_key().to_vec(),
		);
		let raw = self
			.client
			.storage(at, &key)
			.map_err(|e| error(code::RUNTIME, format!("reading NextRequestId: {e}")))?;
		match raw {
			None => Ok(0),
			Some(data) => RequestId::decode(&mut &data.0[..])
				.map_err(|e| error(code::RUNTIME, format!("decoding NextRequestId: {e}"))),
		}
	}

	fn header(&self, hash: H256) -> RpcResult<<Block as BlockT>::Header> {
		self.client
			.header(hash)
			.map_err(|e| error(code::RUNTIME, format!("header {hash:?}: {e}")))?
			.ok_or_else(|| error(code::RUNTIME, format!("no header {hash:?}")))
	}

	/// The set that finalized block `number`, and the changes (set id, last
	/// block of that set) between set `since` and it.
	fn sets_up_to(
		&self,
		number: BlockNumber,
		since: u64,
	) -> RpcResult<(u64, Vec<(u64, BlockNumber)>)> {
		let changes = self.authority_set.authority_set_changes();
		let all: Vec<(u64, BlockNumber)> = changes
			.iter_from(0)
			.ok_or_else(|| {
				error(code::RUNTIME, "this node lacks the authority-set history (warp-synced)")
			})?
			.cloned()
			.collect();
		let set = all
			.iter()
			.find(|(_, last)| *last >= number)
			.map(|(id, _)| *id)
			.unwrap_or_else(|| self.authority_set.set_id());
		if since > set {
			return Err(invalid(format!(
				"since_set {since} is after set {set}, which finalized block #{number}"
			)));
		}
		Ok((set, all.into_iter().filter(|(id, _)| *id >= since && *id < set).collect()))
	}

	fn grandpa_justification(&self, hash: H256) -> RpcResult<Vec<u8>> {
		self.client
			.justifications(hash)
			.map_err(|e| error(code::RUNTIME, format!("justifications of {hash:?}: {e}")))?
			.and_then(|j| j.into_justification(sp_consensus_grandpa::GRANDPA_ENGINE_ID))
			.ok_or_else(|| {
				error(code::RUNTIME, format!("no GRANDPA justification stored for {hash:?}"))
			})
	}
}

/// The certificates block `hash` decided (from its `Decided` events).
fn decided_at(client: &FullClient, hash: H256, group: Option<GroupId>) -> Vec<Cert> {
	let key = sp_core::storage::StorageKey(
		frame_support::storage::storage_prefix(b"System", b"Events").to_vec(),
	);
	let Ok(Some(raw)) = client.storage(hash, &key) else { return Vec::new() };
	let Ok(records) = Vec::<frame_system::EventRecord<RuntimeEvent, H256>>::decode(&mut &raw.0[..])
	else {
		log::warn!(target: "inference-rpc", "cannot decode the events of {hash:?}");
		return Vec::new();
	};
	let requests: Vec<RequestId> = records
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Inference(pallet_inference::Event::Decided {
				group: g,
				decisions,
				..
			}) if group.is_none_or(|want| want == g) => {
				Some(decisions.into_iter().map(|d| d.request).collect::<Vec<_>>())
			}
			_ => None,
		})
		.flatten()
		.collect();
	let api = client.runtime_api();
	requests.into_iter().filter_map(|r| api.certificate(hash, r).ok().flatten()).collect()
}

impl InferenceApiServer for Inference {
	fn certificate(&self, request: RequestId, at: Option<H256>) -> RpcResult<Option<Cert>> {
		let at = self.at(at);
		runtime("certificate", self.api().certificate(at, request))
	}

	fn certificates(&self, query: CertificateQuery<AccountId>) -> RpcResult<Page> {
		let limit = query.limit.unwrap_or(MAX_PAGE);
		if limit == 0 || limit > MAX_PAGE {
			return Err(invalid(format!("limit must be 1..={MAX_PAGE}, got {limit}")));
		}
		let from = query.from_block.unwrap_or(0);
		let to = query.to_block.unwrap_or(BlockNumber::MAX);
		if from > to {
			return Err(invalid(format!("from_block {from} is after to_block {to}")));
		}
		if query.to_block.is_some() && to - from > MAX_RANGE {
			return Err(invalid(format!(
				"a range spans at most {MAX_RANGE} blocks, got {}",
				to - from
			)));
		}
		let at = self.at(query.at);
		let next_id = self.next_request_id(at)?;
		let start = match query.cursor {
			Some(cursor) => cursor,
			None if from > 0 => self.first_request_from(at, from, next_id)?,
			None => 0,
		};
		let keep = |c: &Cert| {
			c.ordered_at >= from
				&& query.group.is_none_or(|g| g == c.group)
				&& query.owner.as_ref().is_none_or(|o| c.owners.iter().any(|(_, owner)| owner == o))
		};
		let mut certificates = Vec::new();
		let mut pos = start;
		let end = start.saturating_add(MAX_SCAN).min(next_id);
		while pos < end {
			let count = (end - pos).min(u64::from(MAX_CERTIFICATES_PER_CALL)) as u32;
			let chunk = runtime("certificates", self.api().certificates(at, pos, count))?;
			for c in chunk {
				if c.ordered_at > to {
					return Ok(Page { certificates, next: None, at });
				}
				if keep(&c) {
					certificates.push(c.clone());
					if certificates.len() as u32 == limit {
						let next = c.request + 1;
						return Ok(Page {
							certificates,
							next: (next < next_id).then_some(next),
							at,
						});
					}
				}
			}
			pos += u64::from(count);
		}
		Ok(Page { certificates, next: (pos < next_id).then_some(pos), at })
	}

	fn batch(
		&self,
		batch: BatchId,
		at: Option<H256>,
	) -> RpcResult<Option<BatchView<AccountId, Balance, BlockNumber>>> {
		let at = self.at(at);
		runtime("batch", self.api().batch(at, batch))
	}

	fn pending_batches(&self, group: GroupId, at: Option<H256>) -> RpcResult<Vec<BatchId>> {
		let at = self.at(at);
		runtime("pending_batches", self.api().pending_batches(at, group))
	}

	fn member_record(
		&self,
		group: GroupId,
		model: ModelId,
		at: Option<H256>,
	) -> RpcResult<MemberRecord> {
		let at = self.at(at);
		runtime("member_record", self.api().member_record(at, group, model))
	}

	fn certificate_with_proof(
		&self,
		request: RequestId,
		since_set: Option<u64>,
	) -> RpcResult<Proof> {
		let Justified { hash, number, encoded } =
			self.latest.read().ok().and_then(|l| l.clone()).ok_or_else(|| {
				error(
					code::NOT_FINAL,
					"this node has seen no GRANDPA justification yet: retry in a few seconds",
				)
			})?;
		let certificate = runtime("certificate", self.api().certificate(hash, request))?.ok_or_else(|| {
			error(
				code::NOT_FOUND,
				format!(
					"request {request} is not in the state of finalized block #{number}: unknown, not yet final, or pruned"
				),
			)
		})?;
		if certificate.outcome == Outcome::Pending {
			return Err(error(
				code::NOT_FINAL,
				format!(
					"request {request} is not decided in finalized block #{number}: retry later"
				),
			));
		}
		let keys = pallet_inference::certificate::storage_keys(PALLET, request, certificate.batch);
		let proof = self
			.client
			.read_proof(hash, &mut keys.iter().map(|k| &k[..]))
			.map_err(|e| error(code::RUNTIME, format!("storage proof at #{number}: {e}")))?;
		let header = self.header(hash)?;
		let (set_id, changes) = self.sets_up_to(number, since_set.unwrap_or(0))?;
		let mut set_changes = Vec::new();
		for (_, last) in changes {
			let change_hash = self
				.client
				.hash(last)
				.map_err(|e| error(code::RUNTIME, format!("hash of #{last}: {e}")))?
				.ok_or_else(|| error(code::RUNTIME, format!("no block #{last}")))?;
			set_changes.push(SetChange {
				header: Bytes(self.header(change_hash)?.encode()),
				justification: Bytes(self.grandpa_justification(change_hash)?),
			});
		}
		Ok(Proof {
			certificate,
			genesis_hash: self.client.info().genesis_hash,
			pallet: PALLET.into(),
			header: Bytes(header.encode()),
			justification: Bytes(encoded),
			set_id,
			state_proof: proof.into_iter_nodes().map(Bytes).collect(),
			set_changes,
		})
	}

	fn checkpoint(&self) -> RpcResult<Checkpoint> {
		let info = self.client.info();
		let authorities = self
			.authority_set
			.current_authorities()
			.iter()
			.map(|(id, info)| (H256::from_slice(id.as_ref()), info.weight().get()))
			.collect();
		Ok(Checkpoint {
			genesis_hash: info.genesis_hash,
			set_id: self.authority_set.set_id(),
			authorities,
			block_number: info.finalized_number,
			block_hash: info.finalized_hash,
		})
	}

	fn subscribe_certificates(
		&self,
		pending: PendingSubscriptionSink,
		group: Option<GroupId>,
		finalized: Option<bool>,
	) {
		let client = self.client.clone();
		let blocks: futures::stream::BoxStream<'static, H256> = if finalized.unwrap_or(false) {
			// A finality notification may cover several blocks: take them all, oldest first.
			self.client
				.finality_notification_stream()
				.flat_map(|n| {
					let mut hashes: Vec<H256> = n.tree_route.iter().copied().collect();
					hashes.push(n.hash);
					futures::stream::iter(hashes)
				})
				.boxed()
		} else {
			// A new best block may bring a reorg: its route's enacted blocks
			// (forks imported earlier, not best then) are new to the best chain too.
			self.client
				.import_notification_stream()
				.filter_map(|n| async move {
					n.is_new_best.then(|| {
						let mut hashes: Vec<H256> = n
							.tree_route
							.as_ref()
							.map(|route| route.enacted().iter().map(|b| b.hash).collect())
							.unwrap_or_default();
						if !hashes.contains(&n.hash) {
							hashes.push(n.hash);
						}
						futures::stream::iter(hashes)
					})
				})
				.flatten()
				.boxed()
		};
		let certificates = blocks
			.flat_map(move |hash| futures::stream::iter(decided_at(&client, hash, group)))
			.boxed();
		sc_rpc::utils::spawn_subscription_task(
			&self.executor,
			PendingSubscription::from(pending)
				.pipe_from_stream(certificates, BoundedVecDeque::new(SUBSCRIPTION_BUFFER)),
		);
	}
}
