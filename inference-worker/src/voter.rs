//! The voter: follows best blocks, keeps the served versions in step
//! ([`Versions`]), and votes once on every open batch of the group that
//! lacks this member's vote.
//!
//! ## Never a vote the chain already holds
//!
//! A vote is read as missing from the state of the block being looked at,
//! and that state can be behind what this key has already sent: a best-block
//! notification can arrive after the vote it precedes was included, a vote
//! can wait in the pool, and a restarted worker does not know what its
//! previous process sent. The voter closes each of these with the key's
//! account nonce, which only this worker's own votes advance:
//!
//! - at start it reads the pool's next nonce; until a block's state reaches
//!   it, everything sent before the start may still land, and the voter
//!   sends nothing on that block (unless the pool no longer holds them:
//!   then they cannot land, and it goes on);
//! - each vote is remembered with the nonce it was signed with, until the
//!   finalized chain passes that nonce. On a block whose state lacks the
//!   vote: if the state nonce is past it, the vote failed on chain and a new
//!   one may go; if the pool holds it, or a later block does, the voter
//!   waits; if neither, the vote was lost and is sent again with the same
//!   nonce. Every resend uses the vote's own nonce, so no two copies of a
//!   vote can ever both be included.
//!
//! It also remembers the batches whose state holds its vote, while the best
//! chain grows block by block: a best block whose parent is not the previous
//! best (a reorg, or skipped notifications) makes it forget them and read
//! every open batch again. (Reading every open batch at every block cost one
//! runtime call per open batch: at 200 requests/s, about 80 a block.)

use crate::{core::Core, versions::Versions};
use anyhow::{anyhow, bail, Result};
use dropbear_api::{
	account, runtime, AccountId, BatchId, BatchView, BlockNumber, Chain, Digest, Hash, Keypair,
	Output, Static, VersionNumber,
};
use std::{
	collections::{HashMap, HashSet},
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::sync::Mutex as AsyncMutex;

/// Everything the voter needs.
pub struct Voter {
	pub chain: Arc<Chain>,
	pub signer: Keypair,
	pub account: AccountId,
	pub core: Arc<Core>,
	pub versions: Versions,
	/// Votes are signed and handed to the pool one at a time (nonces in order).
	sending: AsyncMutex<()>,
	/// Batches with a vote being sent now.
	in_flight: Mutex<HashSet<BatchId>>,
	/// The nonce each vote sent by this process was signed with.
	sent: Mutex<HashMap<BatchId, u64>>,
	/// The pool's next nonce for this key when the voter started, lowered
	/// when earlier transactions turn out to have left the pool unincluded.
	start_nonce: Mutex<u64>,
	/// Batches whose state holds this member's vote on the best chain as last
	/// followed, and that chain's head.
	voted: Mutex<(Option<Hash>, HashSet<BatchId>)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Voter {
	pub async fn new(
		chain: Arc<Chain>,
		signer: Keypair,
		core: Arc<Core>,
		versions: Versions,
	) -> Result<Arc<Self>> {
		let account = account(&signer);
		let start_nonce = chain.pool_nonce(&account).await?;
		Ok(Arc::new(Self {
			chain,
			signer,
			account,
			core,
			versions,
			sending: AsyncMutex::new(()),
			in_flight: Mutex::new(HashSet::new()),
			sent: Mutex::new(HashMap::new()),
			start_nonce: Mutex::new(start_nonce),
			voted: Mutex::new((None, HashSet::new())),
		}))
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
			let mut blocks = match self.chain.api().stream_best_blocks().await {
				Ok(b) => {
					failures = 0;
					b
				}
				Err(e) if failures < 60 => {
					failures += 1;
					tracing::warn!(target: "worker::voter", "cannot follow best blocks ({e}); retrying");
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
					tracing::warn!(target: "worker::voter", "the node ended the block stream; following again");
					break;
				};
				let block = match block {
					Ok(b) => b,
					Err(e) => {
						tracing::warn!(target: "worker::voter", "block stream error: {e}");
						continue;
					}
				};
				let (hash, number) = (block.hash(), block.number() as BlockNumber);
				if let Err(e) = self.on_best_block(hash, block.header().parent_hash, number).await {
					tracing::warn!(target: "worker::voter", "at #{number}: {e:#}");
				}
				if last_progress.elapsed() > Duration::from_secs(10) {
					last_progress = std::time::Instant::now();
					tracing::info!(
						target: "worker::voter",
						"best #{number}: {} votes sent, {} refused, {} inputs held",
						self.core.metrics.votes_sent.get(),
						self.core.metrics.votes_refused.get(),
						self.core.store.len()
					);
				}
			}
		}
	}

	/// One new best block: versions in step, votes on what lacks one, and
	/// versions nothing needs unloaded.
	async fn on_best_block(self: &Arc<Self>, hash: Hash, parent: Hash, number: u32) -> Result<()> {
		self.note_best(hash, parent);
		// A failed sync leaves the loaded versions as they are; voting goes on.
		let named = self.versions.sync(hash, number).await.map_err(|e| {
			tracing::warn!(target: "worker::voter", "at #{number}: versions: {e:#}");
		});
		self.forget_final_votes().await?;
		let unvoted = self.unvoted_batches(hash).await?;
		let needed: Vec<VersionNumber> =
			unvoted.iter().filter_map(|(b, p)| b.members.get(*p).map(|m| m.version)).collect();
		// A reorg can bring back a batch of a version unloaded since.
		for &version in &needed {
			self.versions.ensure(hash, version).await?;
		}
		self.vote_on(hash, unvoted).await?;
		if let Ok(named) = named {
			self.versions.retain(&named.into_iter().chain(needed).collect());
		}
		Ok(())
	}

	/// A new best block: unless it extends the previous one, forget which
	/// batches hold this member's vote (they are read again from state).
	pub fn note_best(&self, hash: Hash, parent: Hash) {
		let mut voted = lock(&self.voted);
		if voted.0 != Some(parent) {
			voted.1.clear();
		}
		voted.0 = Some(hash);
	}

	/// The group's open batches at block `at` that lack this member's vote,
	/// with this member's position in each.
	pub async fn unvoted_batches(&self, at: Hash) -> Result<Vec<(BatchView, usize)>> {
		let open = self.chain.pending_batches(Some(at), self.core.terms.group).await?;
		let known: HashSet<BatchId> = {
			let mut voted = lock(&self.voted);
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
			let Some(batch) = self.chain.batch(Some(at), id).await? else { continue };
			let Some(position) =
				batch.members.iter().position(|m| m.worker.as_ref() == Some(&self.account))
			else {
				continue;
			};
			match batch.votes.get(position) {
				Some(None) => out.push((batch, position)),
				Some(Some(_)) => {
					lock(&self.voted).1.insert(id);
				}
				None => {}
			}
		}
		Ok(out)
	}

	/// What to do about `batch`, which lacks this member's vote in the state
	/// of a block whose account nonce for this key is `state_nonce`, when the
	/// pool's next nonce is `pool_nonce` (see the module docs).
	fn action(&self, batch: BatchId, state_nonce: u64, pool_nonce: u64) -> Action {
		match lock(&self.sent).get(&batch) {
			None => Action::Vote(None),
			// Its nonce was used and the vote is not there: it failed on chain.
			Some(&nonce) if nonce < state_nonce => Action::Vote(None),
			// Neither in this state nor in the pool: lost; send it again with
			// the same nonce, so that at most one copy can land.
			Some(&nonce) if pool_nonce <= nonce => Action::Vote(Some(nonce)),
			// In the pool, or in a block after this one.
			Some(_) => Action::Wait,
		}
	}

	async fn vote_on(self: &Arc<Self>, at: Hash, unvoted: Vec<(BatchView, usize)>) -> Result<()> {
		if unvoted.is_empty() {
			return Ok(());
		}
		let state_nonce = self.chain.nonce_at(at, &self.account).await?;
		let pool_nonce = self.chain.pool_nonce(&self.account).await?;
		{
			let mut start = lock(&self.start_nonce);
			if state_nonce < *start {
				if pool_nonce > state_nonce {
					tracing::info!(
						target: "worker::voter",
						"waiting for {} earlier transactions of this key to reach the best chain",
						*start - state_nonce
					);
					return Ok(());
				}
				// They left the pool without landing: nothing of them can come.
				*start = state_nonce;
			}
		}
		for (batch, position) in unvoted {
			let Action::Vote(nonce) = self.action(batch.id, state_nonce, pool_nonce) else {
				continue;
			};
			if !lock(&self.in_flight).insert(batch.id) {
				continue;
			}
			self.core.metrics.batches_seen.inc();
			let voter = self.clone();
			tokio::spawn(async move {
				if let Err(e) = voter.vote(&batch, position, nonce).await {
					tracing::warn!(target: "worker::voter", "batch {}: {e:#}", batch.id);
				}
				lock(&voter.in_flight).remove(&batch.id);
			});
		}
		Ok(())
	}

	/// This member's honest outputs for a batch.
	pub async fn honest_outputs(
		&self,
		batch: &BatchView,
		position: usize,
	) -> Result<(VersionNumber, Vec<Output>)> {
		let version = batch
			.members
			.get(position)
			.ok_or_else(|| anyhow!("no member at position {position} of batch {}", batch.id))?
			.version;
		let hashes: Vec<Digest> = batch.requests.iter().map(|r| r.input_hash).collect();
		Ok((version, self.core.outputs(version, &hashes).await?))
	}

	async fn vote(&self, batch: &BatchView, position: usize, nonce: Option<u64>) -> Result<()> {
		let (version, outputs) = self.honest_outputs(batch, position).await?;
		self.submit_vote_with(batch.id, version, outputs, nonce).await
	}

	/// Forget the votes whose nonce the finalized chain has passed: their
	/// fate (included, or failed) is final.
	async fn forget_final_votes(&self) -> Result<()> {
		if lock(&self.sent).is_empty() {
			return Ok(());
		}
		let finalized = self.chain.at(None).await?.block_hash();
		let final_nonce = self.chain.nonce_at(finalized, &self.account).await?;
		lock(&self.sent).retain(|_, nonce| *nonce >= final_nonce);
		Ok(())
	}

	/// Submit a vote and wait until it is in a best block (the fault
	/// harness sends its lies through this too).
	pub async fn submit_vote(
		&self,
		batch: BatchId,
		version: VersionNumber,
		outputs: Vec<Output>,
	) -> Result<()> {
		self.submit_vote_with(batch, version, outputs, None).await
	}

	/// Submit a vote with `nonce` (or the key's next one) and wait until it
	/// is in a best block. Nonces are taken and votes handed to the pool one
	/// at a time, so that concurrent votes never share a nonce; the vote is
	/// remembered with its nonce until the finalized chain passes it, and
	/// every attempt uses that one nonce, so that no two copies can land.
	async fn submit_vote_with(
		&self,
		batch: BatchId,
		version: VersionNumber,
		outputs: Vec<Output>,
		nonce: Option<u64>,
	) -> Result<()> {
		let call = runtime::tx().inference().vote(
			batch,
			version,
			outputs.into_iter().map(Static).collect(),
		);
		let mut nonce = nonce;
		for attempt in 1..=3 {
			let sent = {
				let _one_at_a_time = self.sending.lock().await;
				let n = match nonce {
					Some(n) => n,
					None => self.chain.next_nonce(&self.account).await?,
				};
				nonce = Some(n);
				lock(&self.sent).insert(batch, n);
				self.chain.send_with_nonce(&self.signer, &call, n).await
			};
			let pending = match sent {
				Ok(p) => p,
				Err(e) => {
					tracing::warn!(target: "worker::voter", "vote on batch {batch} not accepted (attempt {attempt}): {e:#}");
					tokio::time::sleep(Duration::from_millis(500)).await;
					continue;
				}
			};
			match pending.included().await {
				Ok(_) => {
					self.core.metrics.votes_sent.inc();
					tracing::debug!(target: "worker::voter", "voted on batch {batch}");
					return Ok(());
				}
				Err(e) if e.dropped => {
					tracing::warn!(target: "worker::voter", "vote on batch {batch} dropped (attempt {attempt}): {:#}", e.error);
				}
				Err(e) => {
					self.core.metrics.votes_refused.inc();
					return Err(e.error.context(format!("the vote on batch {batch}")));
				}
			}
		}
		self.core.metrics.votes_refused.inc();
		bail!("vote on batch {batch} not included after 3 attempts")
	}
}

/// What the voter does about a batch that lacks its vote.
enum Action {
	/// Vote, with a fresh nonce or again with the one it was sent with.
	Vote(Option<u64>),
	/// The vote is in the pool or in a later block.
	Wait,
}
