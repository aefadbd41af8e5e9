//! The worker's shared state: its group's terms, the inputs it holds, the
//! models it has loaded (one model thread each, keyed by the blake2-256
//! digest of their weights file, with the version numbers on chain that name
//! those weights), and the outputs it has already computed, by (input hash,
//! weights digest).
//!
//! Inference starts as soon as an input arrives (speculation): by the time
//! the client's request is ordered in a block, its output is usually ready.
//!
//! An input this worker never received is fetched from every connected
//! member at once, again and again until [`INPUT_PATIENCE`] has passed; an
//! input still missing then gets the output [`Output::Unavailable`], so that
//! one withheld input never holds back its batch-mates.

use crate::{
	backend::BackendError,
	batcher::{Batcher, Overloaded, Scores},
	hasher::Hasher,
	inputs::{self, Bytes, InputError, InputStore},
	metrics::Metrics,
	p2p::P2p,
};
use anyhow::{anyhow, Result};
use dropbear_primitives::{AgreementPolicy, Digest, GroupId, InputSpec, Output, VersionNumber};
use std::{
	collections::{BTreeSet, HashMap, VecDeque},
	sync::{Arc, Mutex, OnceLock},
	time::{Duration, Instant},
};
use tokio::sync::oneshot;

/// How long a worker looks for an input it lacks before it votes
/// [`Output::Unavailable`] for it: a block and a half. Commitments are taken
/// for four blocks after a batch, so the vote still makes its window.
pub const INPUT_PATIENCE: Duration = Duration::from_secs(3);

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
	models: Mutex<HashMap<Digest, Loaded>>,
	/// The version serving the best block now and its weights digest:
	/// speculation runs on it (version 0: none yet).
	current: Mutex<(VersionNumber, Digest)>,
	results: Mutex<ResultCache>,
	p2p: OnceLock<P2p>,
	/// Hashes clients' inputs several at once; `None` if its threads could
	/// not start (inputs are then hashed one by one where they arrive).
	hasher: Option<Hasher>,
}

/// An input taken for a client's answer: its scores to come, and the
/// version (with its weights) that computes them.
pub struct Pending {
	pub hash: Digest,
	pub version: VersionNumber,
	pub weights: Digest,
	pub scores: oneshot::Receiver<Scores>,
}

/// An input taken, with the version and weights it runs on, and its scores
/// to come when they were asked for.
struct Taken {
	hash: Digest,
	version: VersionNumber,
	weights: Digest,
	scores: Option<oneshot::Receiver<Scores>>,
}

/// A loaded model: its thread, and the versions on chain that name its weights.
struct Loaded {
	batcher: Batcher,
	versions: BTreeSet<VersionNumber>,
}

/// Computed outputs by (input hash, weights digest).
struct ResultCache {
	by_key: HashMap<(Digest, Digest), Output>,
	order: VecDeque<(Digest, Digest)>,
	capacity: usize,
}

impl Core {
	pub fn new(terms: GroupTerms, capacity: usize, metrics: Metrics) -> Arc<Self> {
		Arc::new(Self {
			terms,
			store: InputStore::new(capacity),
			metrics,
			models: Mutex::new(HashMap::new()),
			current: Mutex::new((0, [0; 32])),
			results: Mutex::new(ResultCache {
				by_key: HashMap::new(),
				order: VecDeque::new(),
				capacity: capacity.max(1),
			}),
			p2p: OnceLock::new(),
			hasher: Hasher::start()
				.inspect_err(|e| {
					tracing::warn!(target: "worker", "no input hashing threads ({e}): hashing inputs one by one");
				})
				.ok(),
		})
	}

	pub fn set_p2p(&self, p2p: P2p) {
		let _ = self.p2p.set(p2p);
	}

	pub fn p2p(&self) -> Option<&P2p> {
		self.p2p.get()
	}

	/// Serve the weights `digest` with a started model thread, as `version`.
	pub fn add_model(&self, digest: Digest, version: VersionNumber, batcher: Batcher) {
		let versions = BTreeSet::from([version]);
		self.lock_models().insert(digest, Loaded { batcher, versions });
	}

	/// Whether the weights `digest` are loaded; if so, `version` names them too.
	pub fn name_version(&self, digest: &Digest, version: VersionNumber) -> bool {
		match self.lock_models().get_mut(digest) {
			Some(loaded) => {
				loaded.versions.insert(version);
				true
			}
			None => false,
		}
	}

	/// Stop serving the weights `digest` (their model thread ends when its
	/// last batch is done).
	pub fn remove_model(&self, digest: &Digest) {
		self.lock_models().remove(digest);
	}

	/// The weights digests loaded.
	pub fn digests(&self) -> Vec<Digest> {
		self.lock_models().keys().copied().collect()
	}

	pub fn has_digest(&self, digest: &Digest) -> bool {
		self.lock_models().contains_key(digest)
	}

	/// Each version the loaded models serve with its model's last known health.
	pub fn health(&self) -> Vec<(VersionNumber, Result<(), BackendError>)> {
		let mut out: Vec<_> = self
			.lock_models()
			.values()
			.flat_map(|l| {
				let health = l.batcher.health();
				l.versions.iter().map(move |v| (*v, health.clone()))
			})
			.collect();
		out.sort_by_key(|(v, _)| *v);
		out
	}

	/// The versions the loaded models serve.
	pub fn versions(&self) -> Vec<VersionNumber> {
		let versions: BTreeSet<VersionNumber> =
			self.lock_models().values().flat_map(|l| l.versions.iter().copied()).collect();
		versions.into_iter().collect()
	}

	/// Switch speculation to `version`, whose weights are `digest` (the one
	/// serving the best block).
	pub fn set_current(&self, version: VersionNumber, digest: Digest) {
		let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
		if current.0 != version {
			tracing::info!(target: "worker", "version {version} serves new requests (was {})", current.0);
		}
		*current = (version, digest);
	}

	pub fn current(&self) -> VersionNumber {
		self.current.lock().unwrap_or_else(|p| p.into_inner()).0
	}

	pub fn current_digest(&self) -> Digest {
		self.current.lock().unwrap_or_else(|p| p.into_inner()).1
	}

	fn lock_models(&self) -> std::sync::MutexGuard<'_, HashMap<Digest, Loaded>> {
		self.models.lock().unwrap_or_else(|p| p.into_inner())
	}

	fn batcher(&self, digest: &Digest) -> Option<Batcher> {
		self.lock_models().get(digest).map(|l| l.batcher.clone())
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
		let hash = self.check(&bytes)?;
		let serving = *self.current.lock().unwrap_or_else(|p| p.into_inner());
		self.take(hash, Bytes::from(bytes), !from_peer, false, serving).map(|taken| taken.hash)
	}

	/// [`inputs::check`], counting a refused input.
	fn check(&self, bytes: &[u8]) -> Result<Digest, AcceptError> {
		self.validate(bytes)?;
		Ok(inputs::input_hash(bytes))
	}

	/// [`inputs::validate`], counting a refused input.
	fn validate(&self, bytes: &[u8]) -> Result<(), AcceptError> {
		inputs::validate(&self.terms.input, bytes).map_err(|e| {
			self.metrics.inputs_refused.inc();
			e.into()
		})
	}

	/// Take inputs from a client and have this member's scores on each, on
	/// the version serving now (the Open Inference Protocol's answer). All
	/// are checked before any is kept; then each is kept, gossiped and run
	/// as [`Core::accept`] does, gossiped to the other members unless
	/// `gossip` is false (a client that sends every input to every member
	/// itself). An input already held runs again, for its scores.
	pub async fn answer(
		self: &Arc<Self>,
		inputs: Vec<Bytes>,
		gossip: bool,
	) -> Result<Vec<Pending>, AcceptError> {
		for bytes in &inputs {
			self.validate(bytes)?;
		}
		// Each input is hashed once (150 KB of blake2 for an ImageNet image),
		// with whatever other inputs wait to be hashed ([`crate::hasher`]).
		let hashes = match &self.hasher {
			Some(hasher) => hasher.hashes(&inputs).await,
			None => inputs.iter().map(|bytes| inputs::input_hash(bytes)).collect(),
		};
		// One version answers the whole request, even across a version switch.
		let serving = *self.current.lock().unwrap_or_else(|p| p.into_inner());
		let mut pending = Vec::with_capacity(inputs.len());
		for (hash, bytes) in hashes.into_iter().zip(inputs) {
			let taken = self.take(hash, bytes, gossip, true, serving)?;
			let scores = taken.scores.ok_or(AcceptError::NotReady)?;
			pending.push(Pending {
				hash: taken.hash,
				version: taken.version,
				weights: taken.weights,
				scores,
			});
		}
		Ok(pending)
	}

	/// The output this member votes for the input `hash` on the weights
	/// `weights`: the one already computed if there is one (an output once
	/// given is the one voted, whatever a later run says), else the one of
	/// `scores`, kept from now on. `None` when `scores` are too few for the
	/// group's policy.
	pub fn settled_output(
		&self,
		hash: &Digest,
		weights: &Digest,
		scores: &[f32],
	) -> Option<Output> {
		if let Some(output) = self.recall(hash, weights) {
			return Some(output);
		}
		let output = self.terms.policy.output_of_scores(scores)?;
		Some(self.remember(*hash, *weights, output))
	}

	/// [`Core::accept`] (the input gossiped if `gossip`) on the version
	/// `(version, weights)`, and with `want_scores` the scores of the input.
	/// `bytes` were checked, and hash to `hash`.
	fn take(
		self: &Arc<Self>,
		hash: Digest,
		bytes: Bytes,
		gossip: bool,
		want_scores: bool,
		(version, weights): (VersionNumber, Digest),
	) -> Result<Taken, AcceptError> {
		if !self.store.insert(hash, bytes.clone()) {
			let scores = match want_scores {
				true => {
					let batcher = self.batcher(&weights).ok_or(AcceptError::NotReady)?;
					Some(batcher.submit(bytes)?)
				}
				false => None,
			};
			return Ok(Taken { hash, version, weights, scores });
		}
		self.metrics.inputs_received.inc();
		// An input not run is not kept: sent again, it is taken afresh (run
		// and gossiped), not answered as one already held.
		let submitted = self
			.batcher(&weights)
			.ok_or(AcceptError::NotReady)
			.and_then(|b| b.submit(bytes.clone()).map_err(AcceptError::from));
		let scores = match submitted {
			Ok(scores) => scores,
			Err(e) => {
				self.store.remove(&hash);
				return Err(e);
			}
		};
		if gossip {
			if let Some(p2p) = self.p2p.get().cloned() {
				let group = self.terms.group;
				tokio::spawn(async move { p2p.publish(group, bytes).await });
			}
		}
		let (reply, answer) = match want_scores {
			true => {
				let (tx, rx) = oneshot::channel();
				(Some(tx), Some(rx))
			}
			false => (None, None),
		};
		let core = self.clone();
		tokio::spawn(async move {
			let Ok(scores) = scores.await else { return };
			if let Ok(s) = &scores {
				if let Some(output) = core.terms.policy.output_of_scores(s) {
					core.remember(hash, weights, output);
				}
			}
			if let Some(reply) = reply {
				let _ = reply.send(scores);
			}
		});
		Ok(Taken { hash, version, weights, scores: answer })
	}

	/// Keep `output` for (input, weights) unless one is kept already, and
	/// return the one kept: the first output computed for an input is the
	/// one signed and the one voted, whatever a later run (in another batch,
	/// on a GPU where batch makeup moves the low bits) says.
	fn remember(&self, hash: Digest, weights: Digest, output: Output) -> Output {
		let mut cache = self.results.lock().unwrap_or_else(|p| p.into_inner());
		if let Some(kept) = cache.by_key.get(&(hash, weights)) {
			return kept.clone();
		}
		cache.by_key.insert((hash, weights), output.clone());
		cache.order.push_back((hash, weights));
		while cache.order.len() > cache.capacity {
			if let Some(old) = cache.order.pop_front() {
				cache.by_key.remove(&old);
			}
		}
		output
	}

	fn recall(&self, hash: &Digest, weights: &Digest) -> Option<Output> {
		self.results
			.lock()
			.unwrap_or_else(|p| p.into_inner())
			.by_key
			.get(&(*hash, *weights))
			.cloned()
	}

	/// The canonical outputs of the weights `weights` for the inputs
	/// `hashes`, in order: from speculation where ready, computed now
	/// otherwise. Inputs this worker lacks are fetched from the other members
	/// (all at once); one still missing after [`INPUT_PATIENCE`] gets
	/// [`Output::Unavailable`].
	pub async fn outputs(&self, weights: &Digest, hashes: &[Digest]) -> Result<Vec<Output>> {
		let batcher = self.batcher(weights).ok_or_else(|| {
			anyhow!(
				"weights 0x{} are not loaded (no model file with this digest?)",
				hex::encode(weights)
			)
		})?;
		let mut outputs: Vec<Option<Output>> =
			hashes.iter().map(|h| self.recall(h, weights)).collect();
		let hits = outputs.iter().filter(|o| o.is_some()).count();
		self.metrics.speculative_hits.inc_by(hits as u64);
		let missing: Vec<usize> = (0..hashes.len()).filter(|i| outputs[*i].is_none()).collect();
		if missing.is_empty() {
			return outputs
				.into_iter()
				.map(|o| o.ok_or_else(|| anyhow!("an output is missing")))
				.collect();
		}
		let until = Instant::now() + INPUT_PATIENCE;
		let found =
			futures::future::join_all(missing.iter().map(|&i| self.input(&hashes[i], until))).await;
		let mut computed = Vec::new();
		let mut inputs = Vec::new();
		for (&i, bytes) in missing.iter().zip(found) {
			match bytes {
				Some(bytes) => {
					computed.push(i);
					inputs.push(bytes);
				}
				None => {
					tracing::warn!(
						target: "worker",
						"input 0x{} not found in {INPUT_PATIENCE:?}: voting it unavailable",
						hex::encode(hashes[i])
					);
					self.metrics.inputs_unavailable.inc();
					outputs[i] = Some(Output::Unavailable);
				}
			}
		}
		if !inputs.is_empty() {
			let scores = batcher.infer_all(inputs).await?;
			for (&i, s) in computed.iter().zip(scores) {
				let output = self.terms.policy.output_of_scores(&s).ok_or_else(|| {
					anyhow!("the model gave {} scores, fewer than the policy needs", s.len())
				})?;
				outputs[i] = Some(self.remember(hashes[i], *weights, output));
			}
		}
		outputs.into_iter().map(|o| o.ok_or_else(|| anyhow!("an output is missing"))).collect()
	}

	/// An input by hash: held here, or fetched (and checked) from the other
	/// members, asking again until `until`; `None` if nobody gave it by then.
	async fn input(&self, hash: &Digest, until: Instant) -> Option<Bytes> {
		loop {
			// It may arrive by gossip while this waits.
			if let Some(bytes) = self.store.get(hash) {
				return Some(bytes);
			}
			let left = until.saturating_duration_since(Instant::now());
			if left.is_zero() {
				return None;
			}
			if let Some(p2p) = self.p2p.get() {
				if let Ok(Some(bytes)) = tokio::time::timeout(left, p2p.fetch(*hash)).await {
					self.metrics.received("fetch", bytes.len());
					if inputs::check(&self.terms.input, &bytes).ok() == Some(*hash) {
						let bytes = Bytes::from(bytes);
						self.store.insert(*hash, bytes.clone());
						return Some(bytes);
					}
				}
			}
			tokio::time::sleep(
				Duration::from_millis(250).min(until.saturating_duration_since(Instant::now())),
			)
			.await;
		}
	}
}
