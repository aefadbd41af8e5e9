//! The worker's shared state: its group's terms, the inputs it holds, the
//! model versions it has loaded (one model thread each), and the outputs it
//! has already computed, by (input hash, version).
//!
//! Inference starts as soon as an input arrives (speculation): by the time
//! the client's request is ordered in a block, its output is usually ready.

use crate::{
	backend::BackendError,
	batcher::{Batcher, Overloaded},
	inputs::{self, InputError, InputStore},
	metrics::Metrics,
	p2p::P2p,
};
use anyhow::{anyhow, Result};
use dropbear_primitives::{AgreementPolicy, Digest, GroupId, InputSpec, Output, VersionNumber};
use std::{
	collections::{BTreeMap, HashMap, VecDeque},
	sync::{
		atomic::{AtomicU32, Ordering},
		Arc, Mutex, OnceLock,
	},
};

/// What a group asks of its members' outputs.
#[derive(Clone, Debug)]
pub struct GroupTerms {
	pub group: GroupId,
	pub input: InputSpec,
	pub policy: AgreementPolicy,
	pub classes: u32,
}

/// Why an input was not taken.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
	#[error("input is for group {got}, this worker serves group {want}")]
	WrongGroup { got: GroupId, want: GroupId },
	#[error(transparent)]
	Invalid(#[from] InputError),
	#[error(transparent)]
	Overloaded(#[from] Overloaded),
	#[error("no model version is loaded yet")]
	NotReady,
}

pub struct Core {
	pub terms: GroupTerms,
	pub store: InputStore,
	pub metrics: Metrics,
	models: Mutex<BTreeMap<VersionNumber, Batcher>>,
	/// The version serving the best block now: speculation runs on it.
	current: AtomicU32,
	results: Mutex<ResultCache>,
	p2p: OnceLock<P2p>,
}

struct ResultCache {
	by_key: HashMap<(Digest, VersionNumber), Output>,
	order: VecDeque<(Digest, VersionNumber)>,
	capacity: usize,
}

impl Core {
	pub fn new(terms: GroupTerms, capacity: usize, metrics: Metrics) -> Arc<Self> {
		Arc::new(Self {
			terms,
			store: InputStore::new(capacity),
			metrics,
			models: Mutex::new(BTreeMap::new()),
			current: AtomicU32::new(0),
			results: Mutex::new(ResultCache {
				by_key: HashMap::new(),
				order: VecDeque::new(),
				capacity: capacity.max(1),
			}),
			p2p: OnceLock::new(),
		})
	}

	pub fn set_p2p(&self, p2p: P2p) {
		let _ = self.p2p.set(p2p);
	}

	pub fn p2p(&self) -> Option<&P2p> {
		self.p2p.get()
	}

	/// Serve `version` with a started model thread.
	pub fn add_version(&self, version: VersionNumber, batcher: Batcher) {
		self.lock_models().insert(version, batcher);
	}

	/// Stop serving `version` (its model thread ends when its last batch is done).
	pub fn remove_version(&self, version: VersionNumber) {
		self.lock_models().remove(&version);
	}

	/// Each loaded version with its model's last known health.
	pub fn health(&self) -> Vec<(VersionNumber, Result<(), BackendError>)> {
		self.lock_models().iter().map(|(v, b)| (*v, b.health())).collect()
	}

	pub fn has_version(&self, version: VersionNumber) -> bool {
		self.lock_models().contains_key(&version)
	}

	pub fn versions(&self) -> Vec<VersionNumber> {
		self.lock_models().keys().copied().collect()
	}

	/// Switch speculation to `version` (the one serving the best block).
	pub fn set_current(&self, version: VersionNumber) {
		let before = self.current.swap(version, Ordering::SeqCst);
		if before != version {
			tracing::info!(target: "worker", "version {version} serves new requests (was {before})");
		}
	}

	pub fn current(&self) -> VersionNumber {
		self.current.load(Ordering::SeqCst)
	}

	fn lock_models(&self) -> std::sync::MutexGuard<'_, BTreeMap<VersionNumber, Batcher>> {
		self.models.lock().unwrap_or_else(|p| p.into_inner())
	}

	fn batcher(&self, version: VersionNumber) -> Option<Batcher> {
		self.lock_models().get(&version).cloned()
	}

	/// Take an input from a client (gossip it) or a peer (do not): check it,
	/// keep it and start inference on the current version.
	pub fn accept(
		self: &Arc<Self>,
		group: GroupId,
		bytes: Vec<u8>,
		from_peer: bool,
	) -> Result<Digest, AcceptError> {
		if group != self.terms.group {
			return Err(AcceptError::WrongGroup { got: group, want: self.terms.group });
		}
		let hash = match inputs::check(&self.terms.input, &bytes) {
			Ok(h) => h,
			Err(e) => {
				self.metrics.inputs_refused.inc();
				return Err(e.into());
			}
		};
		let bytes = Arc::new(bytes);
		let fresh = self.store.insert(hash, bytes.clone());
		if !fresh {
			return Ok(hash);
		}
		self.metrics.inputs_received.inc();
		let version = self.current();
		let batcher = self.batcher(version).ok_or(AcceptError::NotReady)?;
		let scores = batcher.submit(bytes.clone())?;
		if !from_peer {
			if let Some(p2p) = self.p2p.get().cloned() {
				let group = self.terms.group;
				tokio::spawn(async move { p2p.publish(group, bytes).await });
			}
		}
		let core = self.clone();
		tokio::spawn(async move {
			if let Ok(Ok(scores)) = scores.await {
				if let Some(output) = core.terms.policy.output_of_scores(&scores) {
					core.remember(hash, version, output);
				}
			}
		});
		Ok(hash)
	}

	fn remember(&self, hash: Digest, version: VersionNumber, output: Output) {
		let mut cache = self.results.lock().unwrap_or_else(|p| p.into_inner());
		if cache.by_key.insert((hash, version), output).is_none() {
			cache.order.push_back((hash, version));
			while cache.order.len() > cache.capacity {
				if let Some(old) = cache.order.pop_front() {
					cache.by_key.remove(&old);
				}
			}
		}
	}

	fn recall(&self, hash: &Digest, version: VersionNumber) -> Option<Output> {
		self.results
			.lock()
			.unwrap_or_else(|p| p.into_inner())
			.by_key
			.get(&(*hash, version))
			.cloned()
	}

	/// The canonical outputs of `version` for the inputs `hashes`, in order:
	/// from speculation where ready, computed now otherwise (inputs this
	/// worker lacks are fetched from peers).
	pub async fn outputs(&self, version: VersionNumber, hashes: &[Digest]) -> Result<Vec<Output>> {
		let batcher = self.batcher(version).ok_or_else(|| {
			anyhow!("version {version} is not loaded (no model file with its digest?)")
		})?;
		let mut outputs: Vec<Option<Output>> =
			hashes.iter().map(|h| self.recall(h, version)).collect();
		let hits = outputs.iter().filter(|o| o.is_some()).count();
		self.metrics.speculative_hits.inc_by(hits as u64);
		let missing: Vec<usize> = (0..hashes.len()).filter(|i| outputs[*i].is_none()).collect();
		if !missing.is_empty() {
			let mut inputs = Vec::with_capacity(missing.len());
			for &i in &missing {
				inputs.push(self.input(&hashes[i]).await?);
			}
			let scores = batcher.infer_all(inputs).await?;
			for (&i, s) in missing.iter().zip(scores) {
				let output = self.terms.policy.output_of_scores(&s).ok_or_else(|| {
					anyhow!("the model gave {} scores, fewer than the policy needs", s.len())
				})?;
				self.remember(hashes[i], version, output.clone());
				outputs[i] = Some(output);
			}
		}
		outputs.into_iter().map(|o| o.ok_or_else(|| anyhow!("an output is missing"))).collect()
	}

	/// An input by hash: held here, or fetched (and checked) from a peer.
	async fn input(&self, hash: &Digest) -> Result<Arc<Vec<u8>>> {
		if let Some(bytes) = self.store.get(hash) {
			return Ok(bytes);
		}
		let p2p = self.p2p.get().ok_or_else(|| {
			anyhow!("input {} is unknown here and there is no network", hex::encode(hash))
		})?;
		for attempt in 0..10u64 {
			if let Some(bytes) = p2p.fetch(*hash).await {
				if inputs::check(&self.terms.input, &bytes).ok() == Some(*hash) {
					let bytes = Arc::new(bytes);
					self.store.insert(*hash, bytes.clone());
					return Ok(bytes);
				}
			}
			// The input may still be on its way to every peer.
			tokio::time::sleep(std::time::Duration::from_millis(200 * (attempt + 1))).await;
		}
		Err(anyhow!("no peer has input 0x{}", hex::encode(hash)))
	}
}
