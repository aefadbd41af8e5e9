//! # `inference_*` JSON-RPC
//!
//! Certificates for dApps and explorers, read through pallet-inference's
//! runtime API, and certificates with a finality proof that a client checks
//! offline. The methods are generic over the client traits they use (as
//! `pallet-transaction-payment-rpc` is), so any node whose runtime implements
//! [`InferenceRuntimeApi`] serves them; the JSON shapes and error codes live
//! in `dropbear_primitives::rpc`, shared with the client library.
//!
//! Every method bounds its work: a page looks at most `MAX_SCAN` request ids
//! and returns at most `MAX_PAGE` certificates, a block range spans at most
//! `MAX_RANGE` blocks, and a proof covers one request.
//!
//! A proof is read at the newest block whose GRANDPA justification this node
//! has seen (a task follows the justification stream), so that the storage
//! proof, the header and the justification all name one block, and the
//! certificate is still in the retained state there. The storage keys it
//! proves are named after the pallet as the runtime itself names it.
//! `inference_stateProof` proves any keys the caller names at that block
//! (the client proves a group's members and worker keys with it); it bounds
//! the keys, and a key with no value is proven absent.

use codec::Encode;
use dropbear_primitives::{
	inference::MAX_CERTIFICATES_PER_CALL,
	rpc::{
		code, BlockNumber, Bytes, CertificatePage, CertificateProof, CertificateQuery, Checkpoint,
		SetChange, StateProof, MAX_PAGE, MAX_PROOF_KEYS, MAX_RANGE, MAX_SCAN,
	},
	BatchId, BatchView, Certificate, GroupId, MemberRecord, ModelId, Outcome, RequestId,
};
use futures::{FutureExt, StreamExt};
use jsonrpsee::{core::RpcResult, types::ErrorObjectOwned, PendingSubscriptionSink};
use sc_client_api::{BlockBackend, BlockchainEvents, ProofProvider};
use sc_consensus_grandpa::{GrandpaJustificationStream, SharedAuthoritySet};
use sc_rpc::{
	utils::{BoundedVecDeque, PendingSubscription},
	SubscriptionTaskExecutor,
};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_runtime::traits::{Block as BlockT, Header as HeaderT};
use std::{
	marker::PhantomData,
	sync::{Arc, RwLock},
};

pub use dropbear_primitives::rpc::InferenceApiServer;
pub use pallet_inference::runtime_api::InferenceApi as InferenceRuntimeApi;

/// Certificates a subscription holds for a subscriber that reads slower than
/// blocks decide them. One block can decide thousands (one vote covers a
/// whole batch), and a finality notification can cover several blocks at
/// once; a subscriber that falls further behind than this is dropped (its
/// stream ends) and catches up with `inference_certificates` by block range.
const SUBSCRIPTION_BUFFER: usize = 16_384;

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

fn runtime<R>(what: &str, result: Result<R, sp_api::ApiError>) -> RpcResult<R> {
	result.map_err(|e| error(code::RUNTIME, format!("runtime API {what}: {e}")))
}

fn invalid(message: impl Into<String>) -> ErrorObjectOwned {
	error(jsonrpsee::types::error::INVALID_PARAMS_CODE, message)
}

/// What the methods need of the node's client: runtime API calls, headers,
/// bodies and justifications, storage proofs, and block notifications.
pub trait InferenceClient<Block: BlockT>:
	ProvideRuntimeApi<Block>
	+ HeaderBackend<Block>
	+ BlockBackend<Block>
	+ ProofProvider<Block>
	+ BlockchainEvents<Block>
	+ Send
	+ Sync
	+ 'static
{
}

impl<Block: BlockT, C> InferenceClient<Block> for C where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ BlockBackend<Block>
		+ ProofProvider<Block>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static
{
}

/// The newest GRANDPA justification this node has seen.
#[derive(Clone)]
struct Justified {
	hash: H256,
	number: BlockNumber,
	encoded: Vec<u8>,
}

/// The `inference_*` methods over a client `C` of blocks `Block`.
pub struct Inference<C, Block, AccountId, Balance> {
	client: Arc<C>,
	authority_set: SharedAuthoritySet<H256, BlockNumber>,
	latest: Arc<RwLock<Option<Justified>>>,
	executor: SubscriptionTaskExecutor,
	_types: PhantomData<fn() -> (Block, AccountId, Balance)>,
}

impl<C, Block, AccountId, Balance> Inference<C, Block, AccountId, Balance>
where
	Block: BlockT<Hash = H256>,
	Block::Header: HeaderT<Number = BlockNumber>,
	C: InferenceClient<Block>,
	C::Api: InferenceRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: codec::Codec,
	Balance: codec::Codec,
{
	/// Serve the methods, and follow GRANDPA's justifications in a task.
	pub fn new(
		client: Arc<C>,
		authority_set: SharedAuthoritySet<H256, BlockNumber>,
		justifications: GrandpaJustificationStream<Block>,
		executor: SubscriptionTaskExecutor,
	) -> Self {
		let info = client.info();
		let stored = client
			.justifications(info.finalized_hash)
			.ok()
			.flatten()
			.and_then(|j| j.into_justification(sp_consensus_grandpa::GRANDPA_ENGINE_ID))
			.map(|encoded| Justified {
				hash: info.finalized_hash,
				number: info.finalized_number,
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
		Self { client, authority_set, latest, executor, _types: PhantomData }
	}

	fn at(&self, at: Option<H256>) -> H256 {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}

	/// The first request id ordered at or after block `from`, by binary search
	/// over ids (ids grow with blocks); pruned ids count as older.
	fn first_request_from(
		&self,
		at: H256,
		from: BlockNumber,
		next_id: RequestId,
	) -> RpcResult<RequestId> {
		let api = self.client.runtime_api();
		let (mut lo, mut hi) = (0u64, next_id);
		while lo < hi {
			let mid = lo + (hi - lo) / 2;
			let older = match runtime("certificate", api.certificate(at, mid))? {
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

	fn header(&self, hash: H256) -> RpcResult<Block::Header> {
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

	/// The newest block with a GRANDPA justification this node has seen:
	/// every proof is read there.
	fn justified(&self) -> RpcResult<Justified> {
		self.latest.read().ok().and_then(|l| l.clone()).ok_or_else(|| {
			error(
				code::NOT_FINAL,
				"this node has seen no GRANDPA justification yet: retry in a few seconds",
			)
		})
	}

	/// `keys` proven at the justified block, with its header, justification
	/// and the set changes since set `since_set` (default 0).
	fn prove(
		&self,
		justified: Justified,
		keys: &mut dyn Iterator<Item = &[u8]>,
		since_set: Option<u64>,
	) -> RpcResult<StateProof> {
		let Justified { hash, number, encoded } = justified;
		let proof = self
			.client
			.read_proof(hash, keys)
			.map_err(|e| error(code::RUNTIME, format!("storage proof at #{number}: {e}")))?;
		let header = self.header(hash)?;
		let (set_id, set_changes) = self.set_changes(number, since_set.unwrap_or(0))?;
		Ok(StateProof {
			genesis_hash: self.client.info().genesis_hash,
			header: Bytes(header.encode()),
			justification: Bytes(encoded),
			set_id,
			state_proof: proof.into_iter_nodes().map(Bytes).collect(),
			set_changes,
		})
	}

	/// The set that finalized block `number`, and each set change since set
	/// `since` with the header that enacted it and its justification.
	fn set_changes(&self, number: BlockNumber, since: u64) -> RpcResult<(u64, Vec<SetChange>)> {
		let (set_id, changes) = self.sets_up_to(number, since)?;
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
		Ok((set_id, set_changes))
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

/// The certificates block `hash` decided, or none if the runtime cannot say.
fn decided_at<C, Block, AccountId, Balance>(
	client: &C,
	hash: H256,
	group: Option<GroupId>,
) -> Vec<Certificate<AccountId, Balance, BlockNumber>>
where
	Block: BlockT<Hash = H256>,
	C: ProvideRuntimeApi<Block>,
	C::Api: InferenceRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: codec::Codec,
	Balance: codec::Codec,
{
	client.runtime_api().decided_in_block(hash, group).unwrap_or_else(|e| {
		log::warn!(target: "inference-rpc", "certificates decided in {hash:?}: {e}");
		Vec::new()
	})
}

impl<C, Block, AccountId, Balance> InferenceApiServer<AccountId, Balance>
	for Inference<C, Block, AccountId, Balance>
where
	Block: BlockT<Hash = H256>,
	Block::Header: HeaderT<Number = BlockNumber>,
	C: InferenceClient<Block>,
	C::Api: InferenceRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	AccountId: codec::Codec
		+ Clone
		+ PartialEq
		+ Send
		+ Sync
		+ serde::Serialize
		+ serde::de::DeserializeOwned
		+ 'static,
	Balance: codec::Codec
		+ Clone
		+ Send
		+ Sync
		+ serde::Serialize
		+ serde::de::DeserializeOwned
		+ 'static,
{
	fn certificate(
		&self,
		request: RequestId,
		at: Option<H256>,
	) -> RpcResult<Option<Certificate<AccountId, Balance, BlockNumber>>> {
		let at = self.at(at);
		runtime("certificate", self.client.runtime_api().certificate(at, request))
	}

	fn certificates(
		&self,
		query: CertificateQuery<AccountId>,
	) -> RpcResult<CertificatePage<AccountId, Balance, BlockNumber>> {
		let limit = query.limit.unwrap_or(MAX_PAGE);
		if limit == 0 || limit > MAX_PAGE {
			return Err(invalid(format!("limit must be 1..={MAX_PAGE}, got {limit}")));
		}
		let from = query.from_block.unwrap_or(0);
		let to = query.to_block.unwrap_or(BlockNumber::MAX);
		if from > to {
			return Err(invalid(format!("fromBlock {from} is after toBlock {to}")));
		}
		if query.to_block.is_some() && to - from > MAX_RANGE {
			return Err(invalid(format!(
				"a range spans at most {MAX_RANGE} blocks, got {}",
				to - from
			)));
		}
		let at = self.at(query.at);
		let api = self.client.runtime_api();
		let next_id = runtime("next_request_id", api.next_request_id(at))?;
		let start = match query.cursor {
			Some(cursor) => cursor,
			None if from > 0 => self.first_request_from(at, from, next_id)?,
			None => 0,
		};
		let keep = |c: &Certificate<AccountId, Balance, BlockNumber>| {
			c.ordered_at >= from
				&& query.group.is_none_or(|g| g == c.group)
				&& query.owner.as_ref().is_none_or(|o| c.owners.iter().any(|(_, owner)| owner == o))
		};
		let page = |certificates, next| CertificatePage { certificates, next, at };
		let mut certificates = Vec::new();
		let mut pos = start;
		let end = start.saturating_add(MAX_SCAN).min(next_id);
		while pos < end {
			let count = (end - pos).min(u64::from(MAX_CERTIFICATES_PER_CALL)) as u32;
			let chunk = runtime("certificates", api.certificates(at, pos, count))?;
			for c in chunk {
				if c.ordered_at > to {
					return Ok(page(certificates, None));
				}
				if keep(&c) {
					let next = c.request + 1;
					certificates.push(c);
					if certificates.len() as u32 == limit {
						return Ok(page(certificates, (next < next_id).then_some(next)));
					}
				}
			}
			pos += u64::from(count);
		}
		Ok(page(certificates, (pos < next_id).then_some(pos)))
	}

	fn batch(
		&self,
		batch: BatchId,
		at: Option<H256>,
	) -> RpcResult<Option<BatchView<AccountId, Balance, BlockNumber>>> {
		let at = self.at(at);
		runtime("batch", self.client.runtime_api().batch(at, batch))
	}

	fn pending_batches(&self, group: GroupId, at: Option<H256>) -> RpcResult<Vec<BatchId>> {
		let at = self.at(at);
		runtime("pending_batches", self.client.runtime_api().pending_batches(at, group))
	}

	fn member_record(
		&self,
		group: GroupId,
		model: ModelId,
		at: Option<H256>,
	) -> RpcResult<MemberRecord> {
		let at = self.at(at);
		runtime("member_record", self.client.runtime_api().member_record(at, group, model))
	}

	fn certificate_with_proof(
		&self,
		request: RequestId,
		since_set: Option<u64>,
	) -> RpcResult<CertificateProof<AccountId, Balance, BlockNumber>> {
		let justified = self.justified()?;
		let (hash, number) = (justified.hash, justified.number);
		let api = self.client.runtime_api();
		let certificate = runtime("certificate", api.certificate(hash, request))?.ok_or_else(|| {
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
		let pallet = runtime("pallet_name", api.pallet_name(hash))?;
		let pallet = String::from_utf8(pallet)
			.map_err(|_| error(code::RUNTIME, "the runtime names pallet-inference in non-UTF-8"))?;
		let keys = dropbear_primitives::storage_keys(&pallet, request, certificate.batch);
		let StateProof { genesis_hash, header, justification, set_id, state_proof, set_changes } =
			self.prove(justified, &mut keys.iter().map(|k| &k[..]), since_set)?;
		Ok(CertificateProof {
			certificate,
			genesis_hash,
			pallet,
			header,
			justification,
			set_id,
			state_proof,
			set_changes,
		})
	}

	fn state_proof(&self, keys: Vec<Bytes>, since_set: Option<u64>) -> RpcResult<StateProof> {
		if keys.is_empty() || keys.len() > MAX_PROOF_KEYS {
			return Err(invalid(format!(
				"a state proof covers 1 to {MAX_PROOF_KEYS} keys, not {}",
				keys.len()
			)));
		}
		self.prove(self.justified()?, &mut keys.iter().map(|k| &k[..]), since_set)
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
			.flat_map(move |hash| futures::stream::iter(decided_at(&*client, hash, group)))
			.boxed();
		sc_rpc::utils::spawn_subscription_task(
			&self.executor,
			PendingSubscription::from(pending)
				.pipe_from_stream(certificates, BoundedVecDeque::new(SUBSCRIPTION_BUFFER)),
		);
	}
}
