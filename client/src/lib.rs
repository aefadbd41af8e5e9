//! # Dropbear client
//!
//! What a dApp, a model owner or an auditor needs to use Dropbear chain from
//! Rust; the `dropbear` CLI is built on it.
//!
//! - [`Client`]: a connection to a node. Signed extrinsics and storage reads
//!   go through subxt (dynamic calls from the node's own metadata; no
//!   hand-written extrinsic encoding); certificates come from the node's
//!   `inference_*` JSON-RPC methods.
//! - [`worker`]: send input bytes to the workers of a group, after checking on
//!   chain that each serves a member of that group.
//! - [`verify`]: check a certificate proof offline against a trusted GRANDPA
//!   authority set ([`Checkpoint`]).
//! - [`keys`]: signers from dev names (`//Alice`) or key files.
//!
//! A typical request: hash the input, [`worker::Workers::submit`] it, then
//! [`Client::request`] (or [`Client::request_batch`]) and
//! [`Client::wait_certificate`]; later [`Client::wait_proof`] and
//! [`verify::verify`].

pub mod keys;
pub mod verify;
pub mod worker;

use anyhow::{anyhow, bail, Context, Result};
use codec::Decode;
use jsonrpsee::{
	core::client::ClientT,
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use std::time::{Duration, Instant};
use subxt::{
	config::polkadot::PolkadotExtrinsicParamsBuilder,
	dynamic::{self, Value},
	tx::TransactionStatus,
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

pub use dropbear_primitives::{Digest, GroupId, ModelId, Output, VersionNumber};
pub use pallet_inference::{
	rpc::{Checkpoint, MAX_PAGE},
	BatchId, MemberRecord, Outcome, RequestId,
};

pub type AccountId = sp_runtime::AccountId32;
pub type Balance = u128;
pub type BlockNumber = u32;
pub type Header = sp_runtime::generic::Header<BlockNumber, sp_runtime::traits::BlakeTwo256>;
pub type Certificate = pallet_inference::Certificate<AccountId, Balance, BlockNumber>;
pub type CertificateProof =
	pallet_inference::rpc::CertificateProof<AccountId, Balance, BlockNumber>;
pub type CertificatePage = pallet_inference::rpc::CertificatePage<AccountId, Balance, BlockNumber>;
pub type CertificateQuery = pallet_inference::rpc::CertificateQuery<AccountId>;
pub type BatchView = pallet_inference::BatchView<AccountId, Balance, BlockNumber>;
pub type Group = pallet_models::GroupInfo<AccountId, Balance, Unbounded>;
pub type Model = pallet_models::ModelInfo<AccountId, BlockNumber, Unbounded>;

/// A bound for decoding the chain's bounded records off chain: as large as needed.
pub struct Unbounded;
impl sp_runtime::traits::Get<u32> for Unbounded {
	fn get() -> u32 {
		u32::MAX
	}
}

/// A query of everything (narrow it with the fields you need).
pub fn query_all() -> CertificateQuery {
	CertificateQuery {
		from_block: None,
		to_block: None,
		group: None,
		owner: None,
		cursor: None,
		limit: None,
		at: None,
	}
}

/// The input hash the chain and the workers use: blake2-256 of the bytes.
pub fn input_hash(bytes: &[u8]) -> Digest {
	<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(bytes).0
}

/// An event of an extrinsic: pallet, name, fields.
pub type Event = (String, String, Value);

/// A connection to a node: subxt for extrinsics and storage, a JSON-RPC
/// client for `inference_*`.
pub struct Client {
	pub api: OnlineClient<PolkadotConfig>,
	rpc: WsClient,
	url: String,
	/// The next nonce of each key this client sent with, as far as it knows.
	/// The node's `system_accountNextIndex` counts the pool, but can lag a
	/// transaction submitted just before a new best block; two sends from one
	/// key would then share a nonce and one of them be dropped.
	next_nonce: std::sync::Mutex<std::collections::HashMap<AccountId, u64>>,
}

impl Client {
	/// Connect to a node's `ws://` endpoint.
	pub async fn connect(url: &str) -> Result<Self> {
		let api = OnlineClient::<PolkadotConfig>::from_insecure_url(url)
			.await
			.with_context(|| format!("connecting to the node at {url}"))?;
		let rpc = WsClientBuilder::default()
			.max_response_size(64 << 20)
			// Certificates a subscription holds while the reader is busy
			// (one block can decide thousands); past this jsonrpsee drops it.
			.max_buffer_capacity_per_subscription(1 << 16)
			.request_timeout(Duration::from_secs(60))
			.build(url)
			.await
			.with_context(|| format!("JSON-RPC connection to {url}"))?;
		Ok(Self { api, rpc, url: url.into(), next_nonce: Default::default() })
	}

	pub fn url(&self) -> &str {
		&self.url
	}

	/// Call a node JSON-RPC method; the node's error message is kept.
	pub async fn call<R: serde::de::DeserializeOwned>(
		&self,
		method: &str,
		params: jsonrpsee::core::params::ArrayParams,
	) -> Result<R> {
		self.rpc.request(method, params).await.map_err(|e| anyhow!("{method}: {e}"))
	}

	/// Sign `pallet.call(args)`, submit it with the pool-aware next nonce (so
	/// several in a row from one key do not collide), wait until it is in a
	/// best block and return its events, or the chain's error by name.
	pub async fn submit(
		&self,
		signer: &Keypair,
		pallet: &str,
		call: &str,
		args: Vec<Value>,
	) -> Result<Vec<Event>> {
		self.send(signer, pallet, call, args).await?.included().await
	}

	/// Sign and send `pallet.call(args)` with the pool-aware next nonce (or
	/// the one after this client's last send with the key, if higher) and
	/// return as soon as the pool accepted it; [`Pending::included`] waits
	/// for it. Lets one key keep several extrinsics in flight; concurrent
	/// sends with one key must be serialized by the caller.
	pub async fn send(
		&self,
		signer: &Keypair,
		pallet: &str,
		call: &str,
		args: Vec<Value>,
	) -> Result<Pending> {
		let payload = dynamic::tx(pallet, call, Value::unnamed_composite(args));
		let account = AccountId::from(signer.public_key().0);
		let pool_nonce: u64 =
			self.call("system_accountNextIndex", rpc_params![account.to_string()]).await?;
		let known =
			self.next_nonce.lock().unwrap_or_else(|p| p.into_inner()).get(&account).copied();
		let nonce = pool_nonce.max(known.unwrap_or(0));
		let params = PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
		let progress = self
			.api
			.at_current_block()
			.await?
			.transactions()
			.sign_and_submit_then_watch(&payload, signer, params)
			.await
			.with_context(|| format!("submitting {pallet}.{call}"))?;
		self.next_nonce.lock().unwrap_or_else(|p| p.into_inner()).insert(account, nonce + 1);
		Ok(Pending { progress, what: format!("{pallet}.{call}") })
	}

	/// Certificates as blocks decide them (of `group`, or all), from best
	/// blocks, or finalized ones with `finalized`.
	pub async fn subscribe_certificates(
		&self,
		group: Option<GroupId>,
		finalized: bool,
	) -> Result<jsonrpsee::core::client::Subscription<Certificate>> {
		use jsonrpsee::core::client::SubscriptionClientT;
		self.rpc
			.subscribe(
				"inference_subscribeCertificates",
				rpc_params![group, finalized],
				"inference_unsubscribeCertificates",
			)
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
		let args = vec![Value::u128(group.into()), Value::from_bytes(input), Value::u128(max_fee)];
		let events = self.submit(signer, "Inference", "request", args).await?;
		Ok(requested_ids(&events)?
			.into_iter()
			.next()
			.ok_or_else(|| anyhow!("no Requested event"))?)
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
		let hashes = Value::unnamed_composite(inputs.iter().map(Value::from_bytes));
		let args = vec![Value::u128(group.into()), hashes, Value::u128(max_fee_each)];
		let events = self.submit(signer, "Inference", "request_batch", args).await?;
		requested_ids(&events)
	}

	/// A request's certificate at the best block (`Pending` while undecided).
	pub async fn certificate(&self, request: RequestId) -> Result<Option<Certificate>> {
		self.call("inference_certificate", rpc_params![request]).await
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
		self.call("inference_certificates", rpc_params![query]).await
	}

	/// A batch with its members, requests, votes and decisions.
	pub async fn batch(&self, batch: BatchId) -> Result<Option<BatchView>> {
		self.call("inference_batch", rpc_params![batch]).await
	}

	/// A member's record in a group.
	pub async fn member_record(&self, group: GroupId, model: ModelId) -> Result<MemberRecord> {
		self.call("inference_memberRecord", rpc_params![group, model]).await
	}

	/// The authority set the node follows now, to keep as a trusted checkpoint.
	pub async fn checkpoint(&self) -> Result<Checkpoint> {
		self.call("inference_checkpoint", rpc_params![]).await
	}

	/// A decided certificate with its finality proof from set `since_set`.
	pub async fn proof(&self, request: RequestId, since_set: u64) -> Result<CertificateProof> {
		self.call("inference_certificateWithProof", rpc_params![request, since_set]).await
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

	/// A storage value at the best block, SCALE-decoded.
	pub async fn storage<V: Decode>(
		&self,
		pallet: &str,
		entry: &str,
		keys: Vec<Value>,
	) -> Result<Option<V>> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<Vec<Value>, Value>(pallet, entry);
		match at.storage().try_fetch(addr, keys).await? {
			Some(v) => Ok(Some(
				V::decode(&mut v.bytes()).with_context(|| format!("decoding {pallet}.{entry}"))?,
			)),
			None => Ok(None),
		}
	}

	/// Every entry of a storage map at the best block: (SCALE key bytes after
	/// the prefix, decoded value).
	pub async fn storage_map<V: Decode>(
		&self,
		pallet: &str,
		entry: &str,
	) -> Result<Vec<(Vec<u8>, V)>> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<Vec<Value>, Value>(pallet, entry);
		let mut iter = at.storage().iter(addr, Vec::<Value>::new()).await?;
		let mut out = Vec::new();
		while let Some(kv) = iter.next().await {
			let kv = kv?;
			let value = V::decode(&mut kv.value().bytes())
				.with_context(|| format!("decoding {pallet}.{entry}"))?;
			out.push((kv.key_bytes().to_vec(), value));
		}
		Ok(out)
	}

	/// A group's record.
	pub async fn group(&self, group: GroupId) -> Result<Option<Group>> {
		self.storage("Models", "Groups", vec![Value::u128(group.into())]).await
	}

	/// A model's record.
	pub async fn model(&self, model: ModelId) -> Result<Option<Model>> {
		self.storage("Models", "Models", vec![Value::u128(model.into())]).await
	}

	/// All groups, by id.
	pub async fn groups(&self) -> Result<Vec<(GroupId, Group)>> {
		let entries = self.storage_map::<Group>("Models", "Groups").await?;
		entries.into_iter().map(|(key, g)| Ok((twox64_concat_key::<GroupId>(&key)?, g))).collect()
	}

	/// All models, by id.
	pub async fn models(&self) -> Result<Vec<(ModelId, Model)>> {
		let entries = self.storage_map::<Model>("Models", "Models").await?;
		entries.into_iter().map(|(key, m)| Ok((twox64_concat_key::<ModelId>(&key)?, m))).collect()
	}
}

/// An extrinsic the pool accepted.
pub struct Pending {
	progress: subxt::tx::TransactionProgress<
		PolkadotConfig,
		subxt::client::OnlineClientAtBlockImpl<PolkadotConfig>,
	>,
	what: String,
}

impl Pending {
	/// Wait until the extrinsic is in a best block; its events, or the
	/// chain's error by name.
	pub async fn included(mut self) -> Result<Vec<Event>> {
		let what = self.what;
		while let Some(status) = self.progress.next().await {
			match status? {
				TransactionStatus::InBestBlock(in_block)
				| TransactionStatus::InFinalizedBlock(in_block) => {
					let events = in_block
						.wait_for_success()
						.await
						.map_err(|e| anyhow!("{what} failed: {e}"))?;
					let mut out = Vec::new();
					for event in events.iter() {
						let event = event?;
						let fields = event.decode_fields_unchecked_as::<Value>()?;
						out.push((
							event.pallet_name().to_string(),
							event.event_name().to_string(),
							fields,
						));
					}
					return Ok(out);
				}
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message } => bail!("{what} was not included: {message}"),
				_ => {}
			}
		}
		bail!("{what}: the node stopped reporting on the transaction")
	}

	/// The request ids of an included `request` / `request_batch`.
	pub async fn requests(self) -> Result<Vec<RequestId>> {
		requested_ids(&self.included().await?)
	}
}

/// The key of a `Twox64Concat` map entry from its full storage key.
fn twox64_concat_key<K: Decode>(full: &[u8]) -> Result<K> {
	let tail = full.get(32 + 8..).ok_or_else(|| anyhow!("storage key too short"))?;
	K::decode(&mut &tail[..]).context("decoding a storage map key")
}

/// The request ids of an extrinsic's `Requested` events, in order.
fn requested_ids(events: &[Event]) -> Result<Vec<RequestId>> {
	use subxt::dynamic::At;
	events
		.iter()
		.filter(|(p, e, _)| p == "Inference" && e == "Requested")
		.map(|(_, _, fields)| {
			fields
				.at("request")
				.and_then(|v| v.as_u128())
				.map(|v| v as RequestId)
				.ok_or_else(|| anyhow!("a Requested event without a request id: {fields}"))
		})
		.collect()
}
