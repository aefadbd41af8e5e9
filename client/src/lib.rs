//! # Dropbear client
//!
//! What a dApp, a model owner or an auditor needs to use Dropbear chain from
//! Rust; the `dropbear` CLI is built on it.
//!
//! - [`Client`]: a connection to a node. Extrinsics, storage and runtime
//!   APIs go through `dropbear-api` (typed, generated from the runtime's
//!   metadata; no hand-written encoding); certificates come from the node's
//!   `inference_*` JSON-RPC through its typed client.
//! - [`worker`]: send input bytes to the workers of a group, after checking on
//!   chain that each serves a member of that group.
//! - [`verify`]: check a certificate proof offline against a trusted GRANDPA
//!   authority set ([`Checkpoint`]).
//! - [`receipt`]: send an input to every member of a group at once over the
//!   Open Inference Protocol and hold a quorum receipt (`q` members' signed,
//!   equal answers) before the request is even ordered.
//! - [`keys`]: signers from dev names (`//Alice`) or key files.
//!
//! A typical request: hash the input, [`worker::Workers::submit`] it, then
//! [`Client::order`] and [`Client::wait_ordered`] (which follows the
//! requests across a reorg, and returns only certificates of this account's
//! requests for those inputs); later [`Client::wait_proof`] and [`verify::verify`].

pub mod explorer;
pub mod ledger;
pub mod lies;
pub mod receipt;
pub mod verify;
pub mod worker;

use anyhow::{anyhow, bail, Result};
use dropbear_api::{chain::requested_ids, runtime, InferenceApiClient};
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use std::time::{Duration, Instant};

pub use dropbear_api::{
	account, input_hash, input_hashes, keys, records, AccountId, Balance, BatchId, BatchView,
	BlockNumber, Certificate, CertificatePage, CertificateProof, CertificateQuery, Chain,
	Checkpoint, Digest, GroupId, Hash, Included, Keypair, MemberRecord, ModelId, Outcome, Output,
	Pending, RequestId, StateProof, VersionNumber, MAX_PAGE,
};

pub type Header = sp_runtime::generic::Header<BlockNumber, sp_runtime::traits::BlakeTwo256>;
pub type Group = records::Group;
pub type Model = records::Model;

/// A query of everything (narrow it with the fields you need).
pub fn query_all() -> CertificateQuery {
	CertificateQuery::default()
}

/// Requests ordered by one extrinsic, each with the input it was made for,
/// and what finds them again after a reorg (see [`Client::wait_ordered`]).
#[derive(Clone, Debug)]
pub struct Ordered {
	/// Request ids at the best block last looked at, in input order.
	pub requests: Vec<(RequestId, Digest)>,
	/// The account that ordered (and pays).
	pub client: AccountId,
	/// The extrinsic's hash.
	pub extrinsic: Hash,
	/// The first block that may hold it.
	pub first_block: u64,
}

impl Ordered {
	/// The request ids, in input order.
	pub fn ids(&self) -> Vec<RequestId> {
		self.requests.iter().map(|(id, _)| *id).collect()
	}

	/// Take the ids a block gave the order's requests (its `Requested`
	/// events, in input order).
	pub fn set_ids(&mut self, ids: Vec<RequestId>) -> Result<()> {
		if ids.len() != self.requests.len() {
			bail!("{} inputs ordered, but {} requests made", self.requests.len(), ids.len());
		}
		for ((id, _), new) in self.requests.iter_mut().zip(ids) {
			*id = new;
		}
		Ok(())
	}
}

/// A connection to a node: the typed chain interface for extrinsics and
/// storage, a JSON-RPC client for `inference_*`.
pub struct Client {
	pub chain: Chain,
	rpc: WsClient,
}

impl Client {
	/// Connect to a node's `ws://` endpoint.
	pub async fn connect(url: &str) -> Result<Self> {
		let chain = Chain::connect(url, Duration::ZERO).await?;
		let rpc = WsClientBuilder::default()
			.max_response_size(64 << 20)
			// Certificates a subscription holds while the reader is busy
			// (one block can decide thousands); past this jsonrpsee drops it.
			.max_buffer_capacity_per_subscription(1 << 16)
			.request_timeout(Duration::from_secs(60))
			.build(url)
			.await
			.map_err(|e| anyhow!("JSON-RPC connection to {url}: {e}"))?;
		Ok(Self { chain, rpc })
	}

	pub fn url(&self) -> String {
		self.chain.url()
	}

	/// The node's `inference_*` methods, typed.
	pub fn inference(&self) -> &WsClient {
		&self.rpc
	}

	/// Sign and send a call with the next nonce of its key; returns as soon
	/// as the pool accepted it ([`Pending::included`] waits for it). Lets one
	/// key keep several extrinsics in flight; concurrent sends with one key
	/// must be serialized by the caller.
	pub async fn send<Call: dropbear_api::subxt::transactions::Payload>(
		&self,
		signer: &Keypair,
		call: &Call,
	) -> Result<Pending> {
		self.chain.send(signer, call).await
	}

	/// Sign, send and wait until the call is in a best block: its events, or
	/// the chain's error by name.
	pub async fn submit<Call: dropbear_api::subxt::transactions::Payload>(
		&self,
		signer: &Keypair,
		call: &Call,
	) -> Result<Included> {
		self.chain.submit(signer, call).await
	}

	/// Certificates as blocks decide them (of `group`, or all), from best
	/// blocks, or finalized ones with `finalized`.
	pub async fn subscribe_certificates(
		&self,
		group: Option<GroupId>,
		finalized: bool,
	) -> Result<jsonrpsee::core::client::Subscription<Certificate>> {
		self.rpc
			.subscribe_certificates(group, Some(finalized))
			.await
			.map_err(|e| anyhow!("inference_subscribeCertificates: {e}"))
	}

	/// Request inference of one input already sent to the group's workers,
	/// paying at most `max_fee`; the new request's id.
	pub async fn request(
		&self,
		signer: &Keypair,
		group: GroupId,
		input: Digest,
		max_fee: Balance,
	) -> Result<RequestId> {
		let call = runtime::tx().inference().request(group, input, max_fee);
		let included = self.submit(signer, &call).await?;
		requested_ids(&included)?.into_iter().next().ok_or_else(|| anyhow!("no Requested event"))
	}

	/// Request many inputs in one extrinsic (at most the chain's
	/// `MaxRequestsPerCall`); the ids in input order.
	pub async fn request_batch(
		&self,
		signer: &Keypair,
		group: GroupId,
		inputs: &[Digest],
		max_fee_each: Balance,
	) -> Result<Vec<RequestId>> {
		let call = runtime::tx().inference().request_batch(group, inputs.to_vec(), max_fee_each);
		requested_ids(&self.submit(signer, &call).await?)
	}

	/// Order inference of inputs already sent to the group's workers (one
	/// `request`, or one `request_batch` of at most the chain's
	/// `MaxRequestsPerCall`), paying at most `max_fee_each` per input; wait
	/// until the order is in a best block. Wait for its certificates with
	/// [`Client::wait_ordered`], which follows them across a reorg.
	pub async fn order(
		&self,
		signer: &Keypair,
		group: GroupId,
		inputs: &[Digest],
		max_fee_each: Balance,
	) -> Result<Ordered> {
		let inference = runtime::tx().inference();
		let pending = match inputs {
			[input] => self.send(signer, &inference.request(group, *input, max_fee_each)).await?,
			_ => {
				let call = inference.request_batch(group, inputs.to_vec(), max_fee_each);
				self.send(signer, &call).await?
			}
		};
		let (extrinsic, first_block) = (pending.hash(), pending.first_block());
		let included = self.chain.settle(pending.included().await)?;
		let mut ordered = Ordered {
			requests: inputs.iter().map(|input| (0, *input)).collect(),
			client: account(signer),
			extrinsic,
			first_block,
		};
		ordered.set_ids(requested_ids(&included)?)?;
		Ok(ordered)
	}

	/// Wait until request `i` of `ordered` is decided in a best block: its
	/// certificate, which is always of a request of this account for that
	/// input (if the account ordered the input twice, possibly the other). A reorg can order the extrinsic again in another block, where
	/// its requests get other ids: a certificate under the old id is then
	/// someone else's (another client or input), or there is none. Then the
	/// requests are found again in the best chain by the extrinsic's hash,
	/// and `ordered` takes their new ids.
	pub async fn wait_ordered(
		&self,
		ordered: &mut Ordered,
		i: usize,
		timeout: Duration,
	) -> Result<Certificate> {
		let started = Instant::now();
		let mut searched: Option<Instant> = None;
		// Why the last search found no block with the order, if it did not.
		let mut not_found: Option<anyhow::Error> = None;
		loop {
			let &(request, input) =
				ordered.requests.get(i).ok_or_else(|| anyhow!("no request {i} in the order"))?;
			let certificate = self.certificate(request).await?;
			let mine = |c: &Certificate| c.input_hash == input && c.client == ordered.client;
			match certificate {
				Some(c) if mine(&c) && !c.outcome.is_pending() => return Ok(c),
				// This order's request, not yet decided.
				Some(c) if mine(&c) => {}
				// Not this order's request at the best block: moved by a
				// reorg. Searching reads every block since the order, so it
				// waits a little between tries while the extrinsic is back
				// in the pool.
				_ if searched.is_none_or(|t| t.elapsed() > Duration::from_secs(2)) => {
					searched = Some(Instant::now());
					not_found = self.find_again(ordered).await?.err();
					continue;
				}
				_ => {}
			}
			if started.elapsed() > timeout {
				match not_found {
					Some(e) => bail!(
						"request {request} not decided within {timeout:?}: a reorg moved the order, and the best chain holds it nowhere since block {} ({e:#})",
						ordered.first_block
					),
					None => bail!("request {request} not decided within {timeout:?}"),
				}
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// Wait until request `i` of `ordered` is decided in a finalized block:
	/// the proof of its certificate (for [`verify::verify`]). A decision in
	/// a best block can still be undone (the fork that made it may lose,
	/// even as `Expired`); finality cannot. The id is read again at the best
	/// block first, and a proof that is of another request under it (the
	/// finalized chain ordered the extrinsic elsewhere) is waited for again
	/// under the id found then, up to three times.
	pub async fn wait_ordered_proof(
		&self,
		ordered: &mut Ordered,
		i: usize,
		timeout: Duration,
	) -> Result<CertificateProof> {
		let &(_, input) =
			ordered.requests.get(i).ok_or_else(|| anyhow!("no request {i} in the order"))?;
		let mut tries = 0;
		loop {
			let id = self.wait_ordered(ordered, i, timeout).await?.request;
			let proof = self.wait_proof(id, 0, timeout).await?;
			let proven = &proof.certificate;
			if proven.input_hash == input && proven.client == ordered.client {
				return Ok(proof);
			}
			tries += 1;
			if tries == 3 {
				bail!(
					"request {id}: the finalized chain keeps holding another request under its id"
				);
			}
		}
	}

	/// Find the requests of `ordered` again in the best chain (by its
	/// extrinsic's hash, from its first block to the best one) and take
	/// their ids. `Ok(Err(why))` while no block is found to hold it (it is
	/// back in the pool after a reorg, or the search failed: both may pass);
	/// an error if the order failed where it landed again.
	pub async fn find_again(&self, ordered: &mut Ordered) -> Result<Result<()>> {
		let best = match self.chain.best_number().await {
			Ok(best) => u64::from(best),
			Err(e) => return Ok(Err(e)),
		};
		let blocks = ordered.first_block..best + 1;
		let found = match self.chain.search(ordered.extrinsic, blocks, false).await {
			Ok(found) => found,
			Err(e) => return Ok(Err(e)),
		};
		let included = found.map_err(|refusal| {
			anyhow!("the order, ordered again after a reorg, failed there: {refusal}")
		})?;
		let before: Vec<RequestId> = ordered.requests.iter().map(|(id, _)| *id).collect();
		ordered.set_ids(requested_ids(&included)?)?;
		if ordered.requests.iter().map(|(id, _)| *id).ne(before) {
			tracing::info!(
				target: "dropbear::client",
				"a reorg ordered this client's requests again, in block {:?}: now {:?}",
				included.block,
				ordered.ids()
			);
		}
		Ok(Ok(()))
	}

	/// A request's certificate at the best block (`Pending` while undecided).
	pub async fn certificate(&self, request: RequestId) -> Result<Option<Certificate>> {
		self.rpc.certificate(request, None).await.map_err(|e| anyhow!("inference_certificate: {e}"))
	}

	/// Wait until a request is decided in a best block.
	pub async fn wait_certificate(
		&self,
		request: RequestId,
		timeout: Duration,
	) -> Result<Certificate> {
		let started = Instant::now();
		loop {
			if let Some(c) = self.certificate(request).await? {
				if !c.outcome.is_pending() {
					return Ok(c);
				}
			}
			if started.elapsed() > timeout {
				bail!("request {request} not decided within {timeout:?}");
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// A page of certificate history.
	pub async fn certificates(&self, query: &CertificateQuery) -> Result<CertificatePage> {
		self.rpc
			.certificates(query.clone())
			.await
			.map_err(|e| anyhow!("inference_certificates: {e}"))
	}

	/// A batch with its members, requests, votes and decisions.
	pub async fn batch(&self, batch: BatchId) -> Result<Option<BatchView>> {
		self.rpc.batch(batch, None).await.map_err(|e| anyhow!("inference_batch: {e}"))
	}

	/// A member's record in a group.
	pub async fn member_record(&self, group: GroupId, model: ModelId) -> Result<MemberRecord> {
		InferenceApiClient::<AccountId, Balance>::member_record(&self.rpc, group, model, None)
			.await
			.map_err(|e| anyhow!("inference_memberRecord: {e}"))
	}

	/// The authority set the node follows now, to keep as a trusted checkpoint.
	pub async fn checkpoint(&self) -> Result<Checkpoint> {
		InferenceApiClient::<AccountId, Balance>::checkpoint(&self.rpc)
			.await
			.map_err(|e| anyhow!("inference_checkpoint: {e}"))
	}

	/// A decided certificate with its finality proof from set `since_set`.
	pub async fn proof(&self, request: RequestId, since_set: u64) -> Result<CertificateProof> {
		self.rpc
			.certificate_with_proof(request, Some(since_set))
			.await
			.map_err(|e| anyhow!("inference_certificateWithProof: {e}"))
	}

	/// Storage `keys` proven at the node's newest justified block, with the
	/// set changes since `since_set`. A node that has seen no justification
	/// yet (just started) is asked again for a while.
	pub async fn state_proof(&self, keys: &[Vec<u8>], since_set: u64) -> Result<StateProof> {
		let keys: Vec<_> = keys.iter().cloned().map(dropbear_api::primitives::rpc::Bytes).collect();
		let started = Instant::now();
		loop {
			let asked = InferenceApiClient::<AccountId, Balance>::state_proof(
				&self.rpc,
				keys.clone(),
				Some(since_set),
			);
			match asked.await {
				Ok(proof) => return Ok(proof),
				Err(jsonrpsee::core::ClientError::Call(e))
					if e.code() == dropbear_api::primitives::rpc::code::NOT_FINAL
						&& started.elapsed() < Duration::from_secs(30) =>
				{
					tokio::time::sleep(Duration::from_millis(500)).await;
				}
				Err(e) => bail!("inference_stateProof: {e}"),
			}
		}
	}

	/// Wait until the node can prove a request's certificate final.
	pub async fn wait_proof(
		&self,
		request: RequestId,
		since_set: u64,
		timeout: Duration,
	) -> Result<CertificateProof> {
		let started = Instant::now();
		loop {
			match self.proof(request, since_set).await {
				Ok(p) => return Ok(p),
				// Not final yet, or no justification seen yet: both pass with time.
				Err(_) if started.elapsed() < timeout => {
					tokio::time::sleep(Duration::from_millis(500)).await;
				}
				Err(e) => {
					return Err(e.context(format!(
						"no finality proof for request {request} within {timeout:?}"
					)))
				}
			}
		}
	}

	/// A group's record.
	pub async fn group(&self, group: GroupId) -> Result<Option<Group>> {
		self.chain.group(None, group).await
	}

	/// A model's record.
	pub async fn model(&self, model: ModelId) -> Result<Option<Model>> {
		self.chain.model(None, model).await
	}

	/// All groups, by id.
	pub async fn groups(&self) -> Result<Vec<(GroupId, Group)>> {
		self.chain.groups(None).await
	}

	/// All models, by id.
	pub async fn models(&self) -> Result<Vec<(ModelId, Model)>> {
		self.chain.models(None).await
	}
}
