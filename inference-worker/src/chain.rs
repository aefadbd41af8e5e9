//! The chain side: subxt follows best blocks, keeps the model versions this
//! member serves loaded (a pending version is loaded before its activation
//! block), and votes once on every open batch of the group that lacks this
//! member's vote.
//!
//! At each best block the worker asks the runtime for the group's open
//! batches and reads, for each batch it has not seen its own vote included
//! in, whether its vote is in the state of that block. It remembers the
//! batches its votes went into only while the best chain grows block by
//! block: a best block whose parent is not the previous best (a reorg, or
//! skipped notifications) makes it forget them and read every open batch
//! again. A vote included in a retracted block is therefore voted again in
//! the new fork, and a batch is never voted twice on one fork. Only one vote
//! per batch is in flight. (Reading every open batch at every block cost one
//! runtime call per open batch: at 200 requests/s, about 80 a block.)

use crate::{
	batcher::{BatchConfig, Batcher},
	core::Core,
	tch_backend::TchBackend,
};
use anyhow::{anyhow, bail, Context, Result};
use codec::{Decode, Encode};
use dropbear_primitives::{Digest, GroupId, ModelId, Output, VersionNumber};
use pallet_inference::{BatchId, BatchView};
use sp_runtime::AccountId32;
use std::{
	collections::{HashMap, HashSet},
	path::PathBuf,
	sync::{Arc, Mutex},
	time::Duration,
};
use subxt::{
	config::{polkadot::PolkadotExtrinsicParamsBuilder, RpcConfigFor},
	dynamic::{self, Value},
	rpcs::{LegacyRpcMethods, RpcClient},
	tx::TransactionStatus,
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Mutex as AsyncMutex;

pub type Api = OnlineClient<PolkadotConfig>;
pub type Batch = BatchView<AccountId32, u128, u32>;
type Group = pallet_models::GroupInfo<AccountId32, u128, frame_support_bound::Unbounded>;
type Model = pallet_models::ModelInfo<AccountId32, u32, frame_support_bound::Unbounded>;

/// Bounds for decoding the registry's records off chain: as large as needed.
mod frame_support_bound {
	pub struct Unbounded;
	impl sp_runtime::traits::Get<u32> for Unbounded {
		fn get() -> u32 {
			u32::MAX
		}
	}
}

/// Connect to a node, retrying while it starts.
pub async fn connect(url: &str, patience: Duration) -> Result<Api> {
	let started = std::time::Instant::now();
	loop {
		match Api::from_insecure_url(url).await {
			Ok(api) => return Ok(api),
			Err(e) if started.elapsed() < patience => {
				tracing::info!(target: "worker::chain", "node at {url} not ready ({e}); retrying");
				tokio::time::sleep(Duration::from_secs(1)).await;
			}
			Err(e) => return Err(e).with_context(|| format!("connecting to {url}")),
		}
	}
}

async fn fetch_raw<V: Decode>(
	api: &Api,
	at: Option<subxt::utils::H256>,
	pallet: &str,
	entry: &str,
	keys: Vec<Value>,
) -> Result<Option<V>> {
	let client = match at {
		Some(h) => api.at_block(h).await?,
		None => api.at_current_block().await?,
	};
	let addr = dynamic::storage::<Vec<Value>, Value>(pallet, entry);
	match client.storage().try_fetch(addr, keys).await? {
		Some(v) => Ok(Some(
			V::decode(&mut v.bytes()).with_context(|| format!("decoding {pallet}.{entry}"))?,
		)),
		None => Ok(None),
	}
}

/// The model a worker key votes for.
pub async fn model_of(api: &Api, worker: &AccountId32) -> Result<Option<ModelId>> {
	fetch_raw(
		api,
		None,
		"Models",
		"Workers",
		vec![Value::from_bytes(<AccountId32 as AsRef<[u8]>>::as_ref(worker))],
	)
	.await
}

/// A group's record.
pub async fn group(api: &Api, group: GroupId) -> Result<Option<Group>> {
	fetch_raw(api, None, "Models", "Groups", vec![Value::u128(group.into())]).await
}

async fn model(api: &Api, at: subxt::utils::H256, model: ModelId) -> Result<Option<Model>> {
	fetch_raw(api, Some(at), "Models", "Models", vec![Value::u128(model.into())]).await
}

async fn version_digest(
	api: &Api,
	at: subxt::utils::H256,
	model: ModelId,
	version: VersionNumber,
) -> Result<Option<Digest>> {
	let record: Option<pallet_models::VersionRecord<u32>> = fetch_raw(
		api,
		Some(at),
		"Models",
		"Versions",
		vec![Value::u128(model.into()), Value::u128(version.into())],
	)
	.await?;
	Ok(record.map(|r| r.digest))
}

async fn runtime_call<R: Decode>(
	api: &Api,
	at: subxt::utils::H256,
	method: &str,
	args: impl Encode,
) -> Result<R> {
	let bytes =
		api.at_block(at).await?.runtime_apis().call_raw(method, Some(&args.encode())).await?;
	R::decode(&mut &bytes[..]).with_context(|| format!("decoding {method}"))
}

/// Model files by the blake2-256 digest of their bytes.
pub struct ModelFiles(HashMap<Digest, PathBuf>);

impl ModelFiles {
	pub fn read(paths: &[PathBuf]) -> Result<Self> {
		let mut map = HashMap::new();
		for path in paths {
			let bytes = std::fs::read(path)
				.with_context(|| format!("reading model file {}", path.display()))?;
			map.insert(sp_crypto_hashing::blake2_256(&bytes), path.clone());
		}
		Ok(Self(map))
	}

	pub fn path(&self, digest: &Digest) -> Option<&PathBuf> {
		self.0.get(digest)
	}
}

/// Everything the chain side needs.
pub struct Chain {
	pub api: Api,
	pub signer: Keypair,
	pub account: AccountId32,
	pub model: ModelId,
	pub core: Arc<Core>,
	pub files: ModelFiles,
	pub device: tch::Device,
	pub batching: BatchConfig,
	rpc: LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>,
	sending: AsyncMutex<()>,
	in_flight: Mutex<HashSet<BatchId>>,
	/// Batches whose state holds this member's vote on the best chain as last
	/// followed, and that chain's head.
	voted: Mutex<(Option<subxt::utils::H256>, HashSet<BatchId>)>,
	/// Whether the pool held no transaction of this key when voting began. A
	/// worker restarted while its vote waited in the pool must not vote again
	/// (the chain would refuse the duplicate, and charge for it).
	pool_clear: std::sync::atomic::AtomicBool,
	/// Versions whose digest has no file here (logged once).
	missing: Mutex<HashSet<VersionNumber>>,
}

impl Chain {
	#[allow(clippy::too_many_arguments)]
	pub async fn new(
		url: &str,
		api: Api,
		signer: Keypair,
		model: ModelId,
		core: Arc<Core>,
		files: ModelFiles,
		device: tch::Device,
		batching: BatchConfig,
	) -> Result<Arc<Self>> {
		let account = AccountId32::from(signer.public_key().0);
		let rpc = LegacyRpcMethods::<RpcConfigFor<PolkadotConfig>>::new(
			RpcClient::from_insecure_url(url).await?,
		);
		Ok(Arc::new(Self {
			api,
			signer,
			account,
			model,
			core,
			files,
			device,
			batching,
			rpc,
			sending: AsyncMutex::new(()),
			in_flight: Mutex::new(HashSet::new()),
			voted: Mutex::new((None, HashSet::new())),
			pool_clear: std::sync::atomic::AtomicBool::new(false),
			missing: Mutex::new(HashSet::new()),
		}))
	}

	/// Load the version serving block `at` (refusing if no file has its
	/// digest) and any pending version, and point speculation at the one
	/// serving `at`.
	pub async fn sync_versions(&self, at: subxt::utils::H256, number: u32) -> Result<()> {
		let info = model(&self.api, at, self.model)
			.await?
			.ok_or_else(|| anyhow!("model {} is not on chain", self.model))?;
		let mut wanted = vec![info.current];
		if let Some(p) = &info.pending {
			wanted.push(p.version);
		}
		for version in wanted {
			if self.core.has_version(version) {
				continue;
			}
			let digest =
				version_digest(&self.api, at, self.model, version).await?.ok_or_else(|| {
					anyhow!("version {version} of model {} has no record", self.model)
				})?;
			let Some(path) = self.files.path(&digest).cloned() else {
				if self.missing.lock().unwrap_or_else(|p| p.into_inner()).insert(version) {
					tracing::error!(
						target: "worker::chain",
						"refusing to serve version {version} of model {}: no model file has its digest 0x{}",
						self.model,
						hex::encode(digest)
					);
				}
				continue;
			};
			let spec = self.core.terms.input.clone();
			let classes = self.core.terms.classes;
			let device = self.device;
			let backend = tokio::task::spawn_blocking(move || {
				TchBackend::load(&path, device, &spec, classes)
			})
			.await??;
			self.core.add_version(
				version,
				Batcher::start(backend, self.batching, self.core.metrics.clone()),
			);
			tracing::info!(target: "worker::chain", "loaded version {version} of model {} (digest 0x{})", self.model, hex::encode(digest));
		}
		// The version serving this block (a pending one from its activation block).
		let serving = match &info.pending {
			Some(p) if p.active_from <= number => p.version,
			_ => info.current,
		};
		if self.core.has_version(serving) {
			self.core.set_current(serving);
		}
		Ok(())
	}

	/// Follow best blocks until `shutdown` fires. A block stream the node
	/// ends (a dropped subscription under load) is opened again; the worker
	/// gives up, with an error, only when the node stays unreachable for a minute.
	pub async fn follow(
		self: Arc<Self>,
		mut shutdown: tokio::sync::watch::Receiver<bool>,
	) -> Result<()> {
		let mut last_progress = std::time::Instant::now();
		let mut failures = 0u32;
		loop {
			let mut blocks = match self.api.stream_best_blocks().await {
				Ok(b) => {
					failures = 0;
					b
				}
				Err(e) if failures < 60 => {
					failures += 1;
					tracing::warn!(target: "worker::chain", "cannot follow best blocks ({e}); retrying");
					tokio::select! {
						_ = tokio::time::sleep(Duration::from_secs(1)) => continue,
						_ = shutdown.changed() => return Ok(()),
					}
				}
				Err(e) => return Err(anyhow!("the node stayed unreachable: {e}")),
			};
			loop {
				let block = tokio::select! {
					b = blocks.next() => b,
					_ = shutdown.changed() => return Ok(()),
				};
				let Some(block) = block else {
					tracing::warn!(target: "worker::chain", "the node ended the block stream; following again");
					break;
				};
				let block = match block {
					Ok(b) => b,
					Err(e) => {
						tracing::warn!(target: "worker::chain", "block stream error: {e}");
						continue;
					}
				};
				let (hash, number) = (block.hash(), block.number() as u32);
				self.note_best(hash, block.header().parent_hash);
				if let Err(e) = self.sync_versions(hash, number).await {
					tracing::warn!(target: "worker::chain", "at #{number}: {e:#}");
				}
				if let Err(e) = self.vote_open_batches(hash).await {
					tracing::warn!(target: "worker::chain", "at #{number}: {e:#}");
				}
				if last_progress.elapsed() > Duration::from_secs(10) {
					last_progress = std::time::Instant::now();
					tracing::info!(
						target: "worker::chain",
						"best #{number}: {} votes sent, {} refused, {} inputs held",
						self.core.metrics.votes_sent.get(),
						self.core.metrics.votes_refused.get(),
						self.core.store.len()
					);
				}
			}
		}
	}

	/// A new best block: unless it extends the previous one, forget which
	/// batches hold this member's vote (they are read again from state).
	pub fn note_best(&self, hash: subxt::utils::H256, parent: subxt::utils::H256) {
		let mut voted = self.voted.lock().unwrap_or_else(|p| p.into_inner());
		if voted.0 != Some(parent) {
			voted.1.clear();
		}
		voted.0 = Some(hash);
	}

	/// The group's open batches at block `at` that lack this member's vote,
	/// with this member's position in each.
	pub async fn unvoted_batches(&self, at: subxt::utils::H256) -> Result<Vec<(Batch, usize)>> {
		let group = self.core.terms.group;
		let open: Vec<BatchId> =
			runtime_call(&self.api, at, "InferenceApi_pending_batches", group).await?;
		let known: HashSet<BatchId> = {
			let mut voted = self.voted.lock().unwrap_or_else(|p| p.into_inner());
			// Closed batches take no votes: forget them.
			let open_now: HashSet<BatchId> = open.iter().copied().collect();
			voted.1.retain(|id| open_now.contains(id));
			voted.1.clone()
		};
		let mut out = Vec::new();
		for id in open {
			if known.contains(&id) {
				continue;
			}
			let Some(batch): Option<Batch> =
				runtime_call(&self.api, at, "InferenceApi_batch", id).await?
			else {
				continue;
			};
			let Some(position) =
				batch.members.iter().position(|m| m.worker.as_ref() == Some(&self.account))
			else {
				continue;
			};
			match batch.votes.get(position) {
				Some(None) => out.push((batch, position)),
				Some(Some(_)) => {
					self.voted.lock().unwrap_or_else(|p| p.into_inner()).1.insert(id);
				}
				None => {}
			}
		}
		Ok(out)
	}

	async fn vote_open_batches(self: &Arc<Self>, at: subxt::utils::H256) -> Result<()> {
		use std::sync::atomic::Ordering;
		if !self.pool_clear.load(Ordering::Relaxed) {
			// Transactions of this key from before a restart: wait until the
			// pool has none (included or dropped) before voting.
			let pool_nonce =
				self.rpc.system_account_next_index(&self.signer.public_key().into()).await?;
			let state_nonce = self.nonce_at(at).await?;
			if pool_nonce > state_nonce {
				tracing::info!(target: "worker::chain", "waiting for {} earlier transactions of this key in the pool", pool_nonce - state_nonce);
				return Ok(());
			}
			self.pool_clear.store(true, Ordering::Relaxed);
		}
		for (batch, position) in self.unvoted_batches(at).await? {
			if !self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).insert(batch.id) {
				continue;
			}
			self.core.metrics.batches_seen.inc();
			let chain = self.clone();
			tokio::spawn(async move {
				if let Err(e) = chain.vote(&batch, position).await {
					tracing::warn!(target: "worker::chain", "batch {}: {e:#}", batch.id);
				}
				chain.in_flight.lock().unwrap_or_else(|p| p.into_inner()).remove(&batch.id);
			});
		}
		Ok(())
	}

	/// This key's account nonce in the state of block `at`.
	async fn nonce_at(&self, at: subxt::utils::H256) -> Result<u64> {
		let account = self.signer.public_key().into();
		Ok(self.api.at_block(at).await?.transactions().account_nonce(&account).await?)
	}

	/// This member's honest outputs for a batch.
	pub async fn honest_outputs(
		&self,
		batch: &Batch,
		position: usize,
	) -> Result<(VersionNumber, Vec<Output>)> {
		let version = batch.members[position].version;
		let hashes: Vec<Digest> = batch.requests.iter().map(|r| r.input_hash).collect();
		Ok((version, self.core.outputs(version, &hashes).await?))
	}

	async fn vote(&self, batch: &Batch, position: usize) -> Result<()> {
		let (version, outputs) = self.honest_outputs(batch, position).await?;
		self.submit_vote(batch.id, version, outputs).await
	}

	/// Submit a vote and wait until it is in a best block. Votes are sent one
	/// at a time, each with the pool-aware next nonce, so that concurrent
	/// votes never reuse one.
	pub async fn submit_vote(
		&self,
		batch: BatchId,
		version: VersionNumber,
		outputs: Vec<Output>,
	) -> Result<()> {
		let outputs = outputs_value(&outputs);
		let call = dynamic::tx(
			"Inference",
			"vote",
			vec![Value::u128(batch.into()), Value::u128(version.into()), outputs],
		);
		for attempt in 1..=3 {
			let submitted = {
				let _one_at_a_time = self.sending.lock().await;
				let nonce =
					self.rpc.system_account_next_index(&self.signer.public_key().into()).await?;
				let params =
					PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
				self.api
					.at_current_block()
					.await?
					.transactions()
					.sign_and_submit_then_watch(&call, &self.signer, params)
					.await
			};
			let mut progress = match submitted {
				Ok(p) => p,
				Err(e) => {
					tracing::warn!(target: "worker::chain", "vote on batch {batch} not accepted (attempt {attempt}): {e}");
					tokio::time::sleep(Duration::from_millis(500)).await;
					continue;
				}
			};
			while let Some(status) = progress.next().await {
				match status? {
					TransactionStatus::InBestBlock(in_block)
					| TransactionStatus::InFinalizedBlock(in_block) => {
						return match in_block.wait_for_success().await {
							Ok(_) => {
								self.core.metrics.votes_sent.inc();
								tracing::debug!(target: "worker::chain", "voted on batch {batch}");
								Ok(())
							}
							Err(e) => {
								self.core.metrics.votes_refused.inc();
								Err(anyhow!("the chain refused the vote on batch {batch}: {e}"))
							}
						};
					}
					TransactionStatus::Error { message }
					| TransactionStatus::Invalid { message }
					| TransactionStatus::Dropped { message } => {
						tracing::warn!(target: "worker::chain", "vote on batch {batch} dropped (attempt {attempt}): {message}");
						break;
					}
					_ => {}
				}
			}
		}
		self.core.metrics.votes_refused.inc();
		bail!("vote on batch {batch} not included after 3 attempts")
	}
}

/// Outputs as the dynamic `Vec<Output>` the `vote` call takes.
pub fn outputs_value(outputs: &[Output]) -> Value {
	Value::unnamed_composite(outputs.iter().map(|o| match o {
		Output::Label(l) => Value::unnamed_variant("Label", [Value::u128(u128::from(*l))]),
		Output::Labels(ls) => Value::unnamed_variant(
			"Labels",
			[Value::unnamed_composite(ls.iter().map(|l| Value::u128(u128::from(*l))))],
		),
		Output::Digest(d) => Value::unnamed_variant("Digest", [Value::from_bytes(d)]),
	}))
}
