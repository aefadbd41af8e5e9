//! The voter: follows best blocks, keeps the served versions in step
//! ([`Versions`]), and votes on every open batch of the group in two steps:
//!
//! 1. **commit**, as soon as the batch is in a best block and before its
//!    `commit_until` block: the outputs (usually ready from speculation) are
//!    sealed with a fresh random salt into
//!    `commitment(batch, model, version, outputs, salt)`, which goes on chain;
//!    the outputs and salt (the *ballot*) stay in this process;
//! 2. **reveal**, on the first best block after which the batch takes
//!    reveals (every member committed, or the commit window passed): the
//!    ballot goes on chain and is checked against the commitment.
//!
//! With a state directory (`--state-dir`) every ballot is written to the
//! [`Journal`] before its commitment is sent, and a restarted worker reveals
//! what its previous process committed to; without one, ballots live only in
//! memory and a worker restarted between its commitment and its reveal
//! cannot reveal that batch (it counts as missed). Outputs are never
//! re-sealed with another salt, since a second, different commitment is
//! equivocation.
//!
//! ## Never a transaction the chain already holds
//!
//! A step is read as missing from the state of the block being looked at,
//! and that state can be behind what this key has already sent: a best-block
//! notification can arrive after the transaction it precedes was included, a
//! transaction can wait in the pool, and a restarted worker does not know
//! what its previous process sent. The voter closes each of these with the
//! key's account nonce, which only this worker's own transactions advance:
//!
//! - at start it reads the pool's next nonce; until a block's state reaches
//!   it, everything sent before the start may still land, and the voter
//!   sends nothing on that block (unless the pool no longer holds them:
//!   then they cannot land, and it goes on);
//! - each step sent is remembered with the nonce it was signed with, until
//!   the finalized chain passes that nonce. On a block whose state lacks the
//!   step: if the state nonce is past it, the step failed on chain and may be
//!   sent again; if the pool holds it, or a later block does, the voter waits;
//!   if neither, it was lost and is sent again with the same nonce (and the
//!   same ballot). Every resend uses its own nonce, so no two copies can ever
//!   both be included. A step whose send failed before reaching any node
//!   (reading the blocks to sign at) gives back the nonce it took fresh: the
//!   pool never saw it, and the key's next step takes it from the pool.
//!
//! - a step forgotten once final is kept as settled while its batch is open
//!   at the finalized block: on a block whose state nonce is below the
//!   finalized one (a notification reached late, a fork that lost) a
//!   settled step is not sent again. Without this a voter lagging behind
//!   finality saw its landed reveal missing there, with no record of it,
//!   and sent it a second time; steps it never sent still go out from such
//!   a block, so a lagging voter keeps voting.
//!
//! It also remembers the batches whose state holds its reveal, while the
//! best chain grows block by block: a best block whose parent is not the
//! previous best (a reorg, or skipped notifications) makes it forget them and
//! read every open batch again.

use crate::{core::Core, journal::Journal, versions::Versions};
use anyhow::{anyhow, bail, Result};
use dropbear_api::{
	account, primitives::commitment, runtime, AccountId, BatchId, BatchView, BlockNumber, Chain,
	Digest, Hash, Keypair, Output, Static, VersionNumber,
};
use futures::FutureExt;
use std::{
	collections::{HashMap, HashSet},
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::sync::Mutex as AsyncMutex;

/// Held while a transaction of the worker key is signed with the pool's next
/// nonce and handed to the pool: two senders that read the same next nonce
/// would have one of their transactions refused as a replacement.
pub type SendLock = Arc<AsyncMutex<()>>;

/// The two transactions of a vote.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Step {
	Commit,
	Reveal,
}

/// What a member committed to for one batch, kept until it reveals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ballot {
	pub version: VersionNumber,
	pub outputs: Vec<Output>,
	pub salt: Digest,
}

/// The digest of a batch's requests, as the pallet keeps it and a
/// commitment names it: after a reorg the same batch id can name other
/// requests, and a ballot made for those must not be reused (the chain
/// refuses a commitment made for them).
pub fn requests_digest(batch: &BatchView) -> Digest {
	dropbear_api::primitives::requests_digest(batch.requests.iter().map(|r| &r.input_hash))
}

/// Everything the voter needs.
pub struct Voter {
	pub chain: Arc<Chain>,
	pub signer: Keypair,
	pub account: AccountId,
	pub core: Arc<Core>,
	pub versions: Versions,
	/// Transactions of this key are signed and handed to the pool one at a
	/// time (nonces in order); the peer announcement takes it too.
	sending: SendLock,
	/// Steps being sent now.
	in_flight: Mutex<HashSet<(BatchId, Step)>>,
	/// The nonce each step sent by this process was signed with.
	sent: Mutex<HashMap<(BatchId, Step), u64>>,
	/// What this process committed to, by batch and the digest of the
	/// batch's requests it was made for: forks that order other requests
	/// under one batch id each get their own ballot, so that whichever wins,
	/// the ballot its commitment was made with is at hand.
	ballots: Mutex<HashMap<(BatchId, Digest), Ballot>>,
	/// Where ballots are kept across restarts, when the worker has a state directory.
	journal: Option<Journal>,
	/// Batches this process can no longer vote on (logged once).
	given_up: Mutex<HashSet<BatchId>>,
	/// How often each step was refused as read from another state than its
	/// landing block ([`Refused::Stale`]); the batch is given up at
	/// [`STALE_AT_MOST`].
	stale: Mutex<HashMap<(BatchId, Step), u32>>,
	/// The pool's next nonce for this key when the voter started, lowered
	/// when earlier transactions turn out to have left the pool unincluded.
	start_nonce: Mutex<u64>,
	/// This key's account nonce at the latest finalized block seen, and the
	/// steps forgotten from `sent` once final, kept while their batch may
	/// still be open. A block whose state nonce is below that nonce is behind
	/// the finalized chain (a notification the voter reaches late, or a fork
	/// that lost): a settled step is not sent again on it.
	settled: Mutex<(u64, HashSet<(BatchId, Step)>)>,
	/// Batches whose state holds this member's reveal on the best chain as
	/// last followed, and that chain's head.
	voted: Mutex<(Option<Hash>, HashSet<BatchId>)>,
}

/// A node that sends no new best block for this long is taken as lost
/// even though it answers (blocks come every slot; a few empty slots are
/// normal): a chain that stands still there may move on elsewhere. Three
/// answered questions ([`QUIET_AFTER`] apart).
const STALLED_AFTER: Duration = Duration::from_secs(18);

/// After this long without a best block, or with one block's work
/// unfinished, the voter asks its node for its best block: three slots.
const QUIET_AFTER: Duration = Duration::from_secs(6);

/// How long that question may go unanswered before the node is taken as
/// lost. A node cut off by the network neither answers nor closes the
/// connection; waiting out 20 s without a block and a call's own patience
/// before failing over took 40 s in a CI run, and the batches whose commit
/// windows closed meanwhile went without this member's vote.
const PROBE_PATIENCE: Duration = Duration::from_secs(5);

/// Why the voter stops waiting on its node.
#[derive(Debug, PartialEq, Eq)]
enum Silence {
	/// The node did not answer within [`PROBE_PATIENCE`]: fail over.
	Lost,
	/// The node answers, and its best block is this one, two or more past
	/// the last the block stream brought: the stream is stuck; open it again.
	StreamBehind(BlockNumber),
	/// The node answers but its stream brought no best block for
	/// [`STALLED_AFTER`]: fail over.
	Stalled,
}

/// What the voter is waiting for while [`Voter::silence`] watches its node.
#[derive(Clone, Copy, Debug)]
enum Waiting {
	/// The next best block from the stream, the last one it brought being
	/// this one (none yet on a new stream).
	Block(Option<BlockNumber>),
	/// One block's work (reads, sends, loading a model version): only a
	/// node that stops answering ends it. Slow work on a node that answers
	/// is left to finish (a version's copies of its model can take long to
	/// load), and each of its calls has its own patience.
	Work,
}

/// How many times one step may be refused as read from another state than
/// the block it landed in before its batch is given up. A reorg costs a
/// step one such refusal, rarely two; a step that keeps meeting one on a
/// chain that no longer moves under it (a ballot kept for a batch id whose
/// version differs on this fork, say) would otherwise pay a fee every block
/// until the batch's deadline.
const STALE_AT_MOST: u32 = 3;

/// How long a step sent may take to reach a best block before it is sent
/// again (a few blocks; more only when its node is gone).
const INCLUSION_PATIENCE: Duration = Duration::from_secs(30);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Voter {
	/// A voter; with `state_dir`, ballots committed by an earlier process
	/// with this directory are revealed by this one.
	pub async fn new(
		chain: Arc<Chain>,
		signer: Keypair,
		core: Arc<Core>,
		versions: Versions,
		state_dir: Option<&std::path::Path>,
	) -> Result<Arc<Self>> {
		let account = account(&signer);
		let start_nonce = chain.pool_nonce(&account).await?;
		let (journal, ballots) = match state_dir {
			Some(dir) => {
				let (journal, ballots) = Journal::open(dir)?;
				if !ballots.is_empty() {
					tracing::info!(target: "worker::voter", "{} ballots kept from before the restart", ballots.len());
				}
				(Some(journal), ballots)
			}
			None => (None, HashMap::new()),
		};
		Ok(Arc::new(Self {
			chain,
			signer,
			account,
			core,
			versions,
			sending: SendLock::default(),
			in_flight: Mutex::new(HashSet::new()),
			sent: Mutex::new(HashMap::new()),
			ballots: Mutex::new(ballots),
			journal,
			given_up: Mutex::new(HashSet::new()),
			stale: Mutex::new(HashMap::new()),
			start_nonce: Mutex::new(start_nonce),
			settled: Mutex::new((0, HashSet::new())),
			voted: Mutex::new((None, HashSet::new())),
		}))
	}

	/// The lock the voter holds while it signs and sends with the worker
	/// key, for other senders with that key.
	pub fn send_lock(&self) -> SendLock {
		self.sending.clone()
	}

	/// Follow best blocks until `shutdown` fires. A block stream the node
	/// ends (a dropped subscription under load) is opened again; a node that
	/// stops answering is replaced by the next of `--node-url` (or connected
	/// to again when it is the only one). The worker gives up, with an
	/// error, only when no node answers for a minute.
	///
	/// Failing over never makes a member vote twice: the steps sent through
	/// the lost node keep their nonces ([`Voter::action`] sends a lost one
	/// again with the same nonce), and the chain takes one commitment and one
	/// reveal per member and batch.
	pub async fn follow(
		self: Arc<Self>,
		mut shutdown: tokio::sync::watch::Receiver<bool>,
	) -> Result<()> {
		let mut last_progress = std::time::Instant::now();
		let mut unreachable_since: Option<std::time::Instant> = None;
		loop {
			let mut blocks = match self.chain.api().stream_best_blocks().await {
				Ok(b) => {
					unreachable_since = None;
					b
				}
				Err(e) => {
					let since = *unreachable_since.get_or_insert_with(std::time::Instant::now);
					if since.elapsed() > Duration::from_secs(60) {
						return Err(anyhow!("no node answered for a minute: {e}"));
					}
					tracing::warn!(target: "worker::voter", "cannot follow best blocks through {} ({e}); connecting again", self.chain.url());
					if self.connect_afresh(&mut shutdown).await.is_break() {
						return Ok(());
					}
					continue;
				}
			};
			let mut catching_up = true;
			// The number of the last block this stream brought.
			let mut last_number: Option<BlockNumber> = None;
			loop {
				let block = tokio::select! {
					b = blocks.next() => b,
					// A node cut off by the network sends nothing, not even
					// an error: its connection goes silent.
					silence = self.silence(Waiting::Block(last_number)) => {
						if let Silence::StreamBehind(best) = silence {
							tracing::warn!(target: "worker::voter", "the block stream from {} stopped at #{} with the node at #{best}; following again", self.chain.url(), last_number.unwrap_or_default());
						} else {
							self.fail_over(silence, "no best block").await;
						}
						break;
					}
					_ = shutdown.changed() => return Ok(()),
				};
				let Some(block) = block else {
					if last_number.is_some() {
						tracing::warn!(target: "worker::voter", "the node ended the block stream; following again");
						break;
					}
					// A stream that ends before its first block: the
					// connection's block subscription is gone (subxt's
					// `chainHead_follow` ended, and every stream opened
					// through it ends at once). Following again through it
					// looped without pause and voted nothing (a reliability
					// run's member, for 100 s after a failover): a fresh
					// connection follows anew.
					tracing::warn!(target: "worker::voter", "the block stream from {} ended before its first block; connecting again", self.chain.url());
					tokio::select! {
						_ = tokio::time::sleep(Duration::from_millis(500)) => {}
						_ = shutdown.changed() => return Ok(()),
					}
					if self.connect_afresh(&mut shutdown).await.is_break() {
						return Ok(());
					}
					break;
				};
				let mut block = match block {
					Ok(b) => b,
					Err(e) => {
						// The stream is opened again, through another node if
						// this one is gone.
						tracing::warn!(target: "worker::voter", "block stream error: {e}; following again");
						break;
					}
				};
				// Behind its node (blocks that came while one was handled),
				// the voter acts on the newest best block it has: that
				// block's state says everything due, and steps derived from
				// older ones only land after their windows.
				let mut then = None;
				while let Some(next) = blocks.next().now_or_never() {
					match next {
						Some(Ok(newer)) => block = newer,
						end_or_error => {
							then = Some(end_or_error);
							break;
						}
					}
				}
				let (hash, number) = (block.hash(), block.number() as BlockNumber);
				let parent = block.header().parent_hash;
				// A new stream (after a failover, say) can begin well behind
				// its node's best and bring the blocks since one at a time:
				// until it has caught up, a block two or more behind is
				// skipped, for the same reason. (Only then: a stream that
				// lags steadily still has its blocks handled.)
				if catching_up && then.is_none() {
					let best =
						tokio::time::timeout(Duration::from_secs(2), self.chain.best_number())
							.await;
					if let Ok(Ok(best)) = best {
						if number.saturating_add(2) <= best {
							continue;
						}
					}
					catching_up = false;
				}
				last_number = Some(number);
				// The block's work (reads, sends) waits on the node; were it
				// cut off, a call would wait out its own patience and the
				// next one again. Its silence ends the work instead.
				tokio::select! {
					done = self.on_best_block_or_newer(hash, parent, number) => {
						if let Err(e) = done {
							tracing::warn!(target: "worker::voter", "at #{number}: {e:#}");
						}
					}
					silence = self.silence(Waiting::Work) => {
						self.fail_over(silence, &format!("at #{number}, work unfinished")).await;
						break;
					}
				}
				match then {
					Some(None) => {
						tracing::warn!(target: "worker::voter", "the node ended the block stream; following again");
						break;
					}
					Some(Some(Err(e))) => {
						tracing::warn!(target: "worker::voter", "block stream error: {e}; following again");
						break;
					}
					_ => {}
				}
				if last_progress.elapsed() > Duration::from_secs(10) {
					last_progress = std::time::Instant::now();
					tracing::info!(
						target: "worker::voter",
						"best #{number}: {} commitments and reveals sent, {} refused, {} inputs held",
						self.core.metrics.votes_sent.get(),
						self.core.metrics.votes_refused.get(),
						self.core.store.len()
					);
				}
			}
		}
	}

	/// Resolves once the node in use looks lost, as [`Silence`] says, and
	/// stays pending while it answers (and, waiting for a block, while
	/// blocks come): every [`QUIET_AFTER`] the node is asked for its best
	/// block.
	async fn silence(&self, waiting: Waiting) -> Silence {
		let started = std::time::Instant::now();
		loop {
			tokio::time::sleep(QUIET_AFTER).await;
			match tokio::time::timeout(PROBE_PATIENCE, self.chain.best_number()).await {
				Ok(Ok(best)) => {
					if let Waiting::Block(Some(last)) = waiting {
						if best >= last.saturating_add(2) {
							return Silence::StreamBehind(best);
						}
					}
				}
				// No answer in time, or a closed connection.
				Ok(Err(_)) | Err(_) => return Silence::Lost,
			}
			if matches!(waiting, Waiting::Block(_)) && started.elapsed() >= STALLED_AFTER {
				return Silence::Stalled;
			}
		}
	}

	/// A new connection ([`Chain::reconnect`]: the next node that answers)
	/// for a block stream that cannot be had through this one; `Break` if
	/// the worker is shutting down meanwhile.
	async fn connect_afresh(
		&self,
		shutdown: &mut tokio::sync::watch::Receiver<bool>,
	) -> std::ops::ControlFlow<()> {
		tokio::select! {
			r = self.chain.reconnect(Duration::from_secs(2)) => {
				if let Err(e) = r {
					tracing::warn!(target: "worker::voter", "no node answers yet: {e:#}");
				}
				std::ops::ControlFlow::Continue(())
			}
			_ = shutdown.changed() => std::ops::ControlFlow::Break(()),
		}
	}

	/// Connect to the next node after `silence` (`what` says what was
	/// waited for).
	async fn fail_over(&self, silence: Silence, what: &str) {
		let url = self.chain.url();
		if silence == Silence::Lost {
			tracing::warn!(target: "worker::voter", "{what}, and {url} did not answer in {PROBE_PATIENCE:?}; failing over");
		} else {
			tracing::warn!(target: "worker::voter", "{what} for {STALLED_AFTER:?} though {url} answers; failing over");
		}
		if let Err(e) = self.chain.reconnect(Duration::from_secs(2)).await {
			tracing::warn!(target: "worker::voter", "no node answers yet: {e:#}");
		}
	}

	/// [`Voter::on_best_block`]; if the node no longer holds the block (a
	/// losing fork pruned while the stream lagged behind its node, under
	/// load), on the node's best block now. Waiting for the stream to catch
	/// up cost one run's member every commitment due in four blocks.
	async fn on_best_block_or_newer(
		self: &Arc<Self>,
		hash: Hash,
		parent: Hash,
		number: u32,
	) -> Result<()> {
		match self.on_best_block(hash, parent, number).await {
			Err(e) if dropbear_api::block_gone(&e) => {
				let (best, best_parent, best_number) = self.chain.best_block().await?;
				tracing::info!(target: "worker::voter", "#{number} is gone from {} ({e:#}); acting on its best block #{best_number}", self.chain.url());
				self.on_best_block(best, best_parent, best_number).await
			}
			done => done,
		}
	}

	/// One new best block, as [`Voter::follow`] takes each: the steps due
	/// sent first (every round trip before them can push a step into a
	/// later block), then versions in step and weights nothing needs
	/// unloaded.
	pub async fn on_best_block(
		self: &Arc<Self>,
		hash: Hash,
		parent: Hash,
		number: u32,
	) -> Result<()> {
		self.note_best(hash, parent);
		let due = self.due_steps(hash, number).await?;
		// A reorg can bring back a batch of weights unloaded since.
		let mut needed = HashSet::new();
		for (batch, position, step) in &due {
			if *step == Step::Commit {
				if let Some(m) = batch.members.get(*position) {
					// A file that fails to load costs this batch, not the others.
					if let Err(e) = self.versions.ensure(m.version, m.digest).await {
						tracing::warn!(target: "worker::voter", "batch {}: version {}: {e:#}", batch.id, m.version);
					}
					needed.insert(m.digest);
				}
			}
		}
		self.send_steps(hash, due).await?;
		self.forget_final().await?;
		// A failed sync leaves the loaded versions as they are; voting goes on.
		match self.versions.sync(hash, number).await {
			Ok(named) => {
				needed.extend(named);
				self.versions.retain(&needed);
			}
			Err(e) => tracing::warn!(target: "worker::voter", "at #{number}: versions: {e:#}"),
		}
		Ok(())
	}

	/// A new best block: unless it extends the previous one, forget which
	/// batches hold this member's reveal (they are read again from state).
	pub fn note_best(&self, hash: Hash, parent: Hash) {
		let mut voted = lock(&self.voted);
		if voted.0 != Some(parent) {
			voted.1.clear();
		}
		voted.0 = Some(hash);
	}

	/// The group's open batches at block `at` that lack this member's reveal,
	/// with this member's position in each.
	pub async fn open_batches(&self, at: Hash) -> Result<Vec<(BatchView, usize)>> {
		let open = self.chain.pending_batches(Some(at), self.core.terms.group).await?;
		let known: HashSet<BatchId> = {
			let mut voted = lock(&self.voted);
			// Closed batches take no votes: forget them.
			let open_now: HashSet<BatchId> = open.iter().copied().collect();
			voted.1.retain(|id| open_now.contains(id));
			// A ballot goes only once its batch has closed: batches close in
			// id order, so every batch below the lowest open one is closed.
			// A block that shows no open batch, or an older block (a reorg,
			// a restart catching up) that lacks a newer batch, says nothing
			// about it: a ballot dropped there could never be revealed.
			if let Some(lowest) = open_now.iter().min().copied() {
				let mut ballots = lock(&self.ballots);
				ballots.retain(|(id, _), _| *id >= lowest);
				if let Some(journal) = &self.journal {
					if let Err(e) = journal.compact(&ballots) {
						tracing::warn!(target: "worker::voter", "compacting the ballot journal: {e:#}");
					}
				}
			}
			lock(&self.given_up).retain(|id| open_now.contains(id));
			lock(&self.stale).retain(|(id, _), _| open_now.contains(id));
			voted.1.clone()
		};
		// Read the batches at once: this is on the path from a block to the
		// steps it makes due.
		let unknown: Vec<BatchId> = open.into_iter().filter(|id| !known.contains(id)).collect();
		let views =
			futures::future::join_all(unknown.iter().map(|id| self.chain.batch(Some(at), *id)))
				.await;
		let mut out = Vec::new();
		for (id, view) in unknown.into_iter().zip(views) {
			let Some(batch) = view? else { continue };
			let Some(position) = batch.members.iter().position(|m| m.model == self.versions.model)
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

	/// The steps due on the open batches at block `at` (number `number`):
	/// a commitment while the window is open, a reveal once reveals are open.
	async fn due_steps(&self, at: Hash, number: u32) -> Result<Vec<(BatchView, usize, Step)>> {
		let mut due = Vec::new();
		for (batch, position) in self.open_batches(at).await? {
			if lock(&self.given_up).contains(&batch.id) {
				continue;
			}
			let committed = batch.committed.get(position).copied().unwrap_or(false);
			// A transaction sent now lands in block `number + 1` at the earliest.
			if !committed && number < batch.commit_until {
				due.push((batch, position, Step::Commit));
			} else if committed && batch.reveals_open_after(number) {
				// The chain took this member's commitment only for the
				// requests it holds under this id, so the ballot is the one
				// made for them.
				if lock(&self.ballots).contains_key(&(batch.id, requests_digest(&batch))) {
					due.push((batch, position, Step::Reveal))
				} else {
					self.give_up(
						batch.id,
						"its ballot is not in this process (committed before a restart without a state directory)",
					)
				}
			} else if !committed {
				self.give_up(batch.id, "its commit window has passed");
			}
		}
		Ok(due)
	}

	fn give_up(&self, batch: BatchId, why: &str) {
		if lock(&self.given_up).insert(batch) {
			tracing::warn!(target: "worker::voter", "not voting on batch {batch}: {why}");
		}
	}

	/// What to do about `step` on `batch`, which the state of a block whose
	/// account nonce for this key is `state_nonce` lacks, when the pool's next
	/// nonce is `pool_nonce` (see the module docs).
	fn action(&self, key: (BatchId, Step), state_nonce: u64, pool_nonce: u64) -> Action {
		match lock(&self.sent).get(&key) {
			None => Action::Send(None),
			// Its nonce was used and the step is not there: it failed on chain.
			Some(&nonce) if nonce < state_nonce => Action::Send(None),
			// Neither in this state nor in the pool: lost; send it again with
			// the same nonce, so that at most one copy can land.
			Some(&nonce) if pool_nonce <= nonce => Action::Send(Some(nonce)),
			// In the pool, or in a block after this one.
			Some(_) => Action::Wait,
		}
	}

	async fn send_steps(
		self: &Arc<Self>,
		at: Hash,
		due: Vec<(BatchView, usize, Step)>,
	) -> Result<()> {
		if due.is_empty() {
			return Ok(());
		}
		let (state_nonce, pool_nonce) = tokio::try_join!(
			self.chain.nonce_at(at, &self.account),
			self.chain.pool_nonce(&self.account)
		)?;
		let behind_final = state_nonce < lock(&self.settled).0;
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
		for (batch, position, step) in due {
			let key = (batch.id, step);
			if behind_final && lock(&self.settled).1.contains(&key) {
				// Landed (or failed) in a block the finalized chain holds,
				// after this older block.
				continue;
			}
			let Action::Send(nonce) = self.action(key, state_nonce, pool_nonce) else {
				continue;
			};
			if !lock(&self.in_flight).insert(key) {
				continue;
			}
			if step == Step::Commit {
				self.core.metrics.batches_seen.inc();
			}
			let voter = self.clone();
			tokio::spawn(async move {
				let sent = match step {
					Step::Commit => voter.commit_honestly(&batch, position, nonce).await,
					Step::Reveal => {
						voter.reveal_with(batch.id, requests_digest(&batch), nonce).await
					}
				};
				if let Err(e) = sent {
					tracing::warn!(target: "worker::voter", "batch {} ({step:?}): {e:#}", batch.id);
				}
				lock(&voter.in_flight).remove(&key);
			});
		}
		Ok(())
	}

	/// This member's honest outputs for a batch: of the weights the batch
	/// records for it.
	pub async fn honest_outputs(
		&self,
		batch: &BatchView,
		position: usize,
	) -> Result<(VersionNumber, Vec<Output>)> {
		let member = batch
			.members
			.get(position)
			.ok_or_else(|| anyhow!("no member at position {position} of batch {}", batch.id))?;
		let hashes: Vec<Digest> = batch.requests.iter().map(|r| r.input_hash).collect();
		Ok((member.version, self.core.outputs(&member.digest, &hashes).await?))
	}

	async fn commit_honestly(
		&self,
		batch: &BatchView,
		position: usize,
		nonce: Option<u64>,
	) -> Result<()> {
		// A resend seals the same ballot (a different one would equivocate);
		// the requests a fork ordered under this id get a ballot of their own.
		let requests = requests_digest(batch);
		let kept = lock(&self.ballots).get(&(batch.id, requests)).cloned();
		// Forks on either side of a version's activation can order the same
		// requests under one id for different versions: a ballot is reused
		// only for the version this batch records.
		let version_here = batch.members.get(position).map(|m| m.version);
		let (version, outputs) = match kept {
			Some(b) if Some(b.version) == version_here => (b.version, b.outputs),
			_ => self.honest_outputs(batch, position).await?,
		};
		self.commit_with(batch.id, requests, version, outputs, nonce).await
	}

	/// Seal `outputs` with a fresh salt (or the one already kept for this
	/// batch), keep the ballot and send the commitment; wait until it is in a
	/// best block. The fault harness commits its lies through this too.
	pub async fn commit(
		&self,
		batch: &BatchView,
		version: VersionNumber,
		outputs: Vec<Output>,
	) -> Result<()> {
		self.commit_with(batch.id, requests_digest(batch), version, outputs, None).await
	}

	async fn commit_with(
		&self,
		batch: BatchId,
		requests: Digest,
		version: VersionNumber,
		outputs: Vec<Output>,
		nonce: Option<u64>,
	) -> Result<()> {
		let ballot = {
			let mut ballots = lock(&self.ballots);
			let salt = match ballots.get(&(batch, requests)) {
				Some(b) if b.version == version && b.outputs == outputs => b.salt,
				_ => rand::random(),
			};
			let ballot = Ballot { version, outputs, salt };
			let fresh = ballots.get(&(batch, requests)) != Some(&ballot);
			ballots.insert((batch, requests), ballot.clone());
			(ballot, fresh)
		};
		let (ballot, fresh) = ballot;
		// On disk before the commitment leaves: a commitment on chain
		// always has its ballot to reveal, whatever happens to this process.
		if let (Some(journal), true) = (&self.journal, fresh) {
			journal.append(batch, requests, &ballot)?;
		}
		let digest = commitment(batch, self.versions.model, version, &ballot.outputs, &ballot.salt);
		self.commit_digest(batch, requests, digest, nonce).await
	}

	/// Send a commitment as it is, for the requests whose digest is
	/// `requests` (the fault harness sends made-up ones).
	pub async fn commit_digest(
		&self,
		batch: BatchId,
		requests: Digest,
		digest: Digest,
		nonce: Option<u64>,
	) -> Result<()> {
		let inference = runtime::tx().inference();
		if self.chain.commits_name_requests().await? {
			let call = inference.commit_for_requests(batch, requests, digest);
			self.send_step((batch, Step::Commit), &call, nonce).await
		} else {
			// A runtime from before spec 103 (until its upgrade lands).
			let call = inference.commit(batch, digest);
			self.send_step((batch, Step::Commit), &call, nonce).await
		}
	}

	/// Reveal the ballot kept for `batch` as read; wait until it is in a best block.
	pub async fn reveal(&self, batch: &BatchView) -> Result<()> {
		self.reveal_with(batch.id, requests_digest(batch), None).await
	}

	async fn reveal_with(
		&self,
		batch: BatchId,
		requests: Digest,
		nonce: Option<u64>,
	) -> Result<()> {
		let ballot = lock(&self.ballots)
			.get(&(batch, requests))
			.cloned()
			.ok_or_else(|| anyhow!("no ballot for batch {batch} with these requests"))?;
		self.reveal_ballot(batch, ballot, nonce).await
	}

	/// Send a reveal as it is (the fault harness reveals what it copied).
	pub async fn reveal_ballot(
		&self,
		batch: BatchId,
		ballot: Ballot,
		nonce: Option<u64>,
	) -> Result<()> {
		let call = runtime::tx().inference().reveal(
			batch,
			ballot.version,
			ballot.outputs.into_iter().map(Static).collect(),
			ballot.salt,
		);
		self.send_step((batch, Step::Reveal), &call, nonce).await
	}

	/// Forget the steps whose nonce the finalized chain has passed: their
	/// fate (included, or failed) is final. They are kept as settled while
	/// their batch may be open, for blocks behind the finalized chain.
	async fn forget_final(&self) -> Result<()> {
		if lock(&self.sent).is_empty() && lock(&self.settled).1.is_empty() {
			return Ok(());
		}
		let finalized = self.chain.at(None).await?.block_hash();
		let final_nonce = self.chain.nonce_at(finalized, &self.account).await?;
		let open = self.chain.pending_batches(Some(finalized), self.core.terms.group).await?;
		// Batches close in id order: below the lowest batch open at a
		// finalized block, every batch is closed for good.
		let lowest_open = open.iter().min().copied().unwrap_or(BatchId::MAX);
		let mut sent = lock(&self.sent);
		let mut settled = lock(&self.settled);
		settled.0 = settled.0.max(final_nonce);
		sent.retain(|key, nonce| {
			let pending = *nonce >= final_nonce;
			if !pending {
				settled.1.insert(*key);
			}
			pending
		});
		settled.1.retain(|(batch, _)| *batch >= lowest_open);
		Ok(())
	}

	/// Submit one step with `nonce` (or the key's next one) and wait until it
	/// is in a best block. Nonces are taken and transactions handed to the
	/// pool one at a time, so that concurrent steps never share a nonce; the
	/// step is remembered with its nonce until the finalized chain passes it,
	/// and every attempt uses that one nonce, so that no two copies can land.
	async fn send_step<Call: dropbear_api::subxt::transactions::Payload>(
		&self,
		key: (BatchId, Step),
		call: &Call,
		nonce: Option<u64>,
	) -> Result<()> {
		let (batch, step) = key;
		let mut nonce = nonce;
		for attempt in 1..=3 {
			// Marks the connection this attempt goes through as seen.
			let mut reconnected = self.chain.reconnections();
			let sent = {
				let _one_at_a_time = self.sending.lock().await;
				// Taken for this attempt: no copy went out with it yet. (A
				// nonce an earlier attempt sent with stays, whatever happens:
				// a copy may be in a pool.)
				let fresh = nonce.is_none();
				let n = match nonce {
					Some(n) => n,
					None => self.chain.next_nonce(&self.account).await?,
				};
				nonce = Some(n);
				let before = lock(&self.sent).insert(key, n);
				let sent = self.chain.send_with_nonce(&self.signer, call, n).await;
				if fresh && matches!(&sent, Err(e) if dropbear_api::not_submitted(e)) {
					// Nothing went out with a nonce this attempt took fresh:
					// give it back, as the pool has not seen it. Held on to,
					// the next step of this key would take it from the pool
					// too, and of the two copies with it only one can land
					// (the other refused as a replacement of lower priority).
					nonce = None;
					let mut sent = lock(&self.sent);
					match before {
						Some(earlier) => sent.insert(key, earlier),
						None => sent.remove(&key),
					};
				}
				sent
			};
			let pending = match sent {
				Ok(p) => p,
				// Sent again after a failover, and the new node's pool holds
				// another copy under its nonce (it had reached it before the
				// cut), or a block used the nonce: the next best block's
				// state and pool say whether it landed ([`Voter::action`]).
				Err(e) if attempt > 1 && nonce_taken(&e) => {
					tracing::info!(target: "worker::voter", "{step:?} on batch {batch}: its nonce is taken on {} ({e:#}); the next best block tells", self.chain.url());
					return Ok(());
				}
				Err(e) => {
					tracing::warn!(target: "worker::voter", "{step:?} on batch {batch} not accepted (attempt {attempt}): {e:#}");
					tokio::time::sleep(Duration::from_millis(500)).await;
					continue;
				}
			};
			let sent_to = pending.node_url().to_string();
			let waited = tokio::select! {
				waited = tokio::time::timeout(INCLUSION_PATIENCE, pending.included()) => waited,
				// The voter failed over while this step waited: its node
				// (cut off, say) may never report it. Until it is sent again
				// through the new node, every later step of this key waits
				// behind its nonce there, and their windows close: in one
				// run, nine commitments in a row, for the 30 s of patience.
				// (Only when the node changed: a reconnection to the same
				// node leaves the watch on its old connection working, or
				// failing, which is seen below.)
				_ = changed_node(&mut reconnected, &self.chain, &sent_to) => {
					tracing::warn!(target: "worker::voter", "{step:?} on batch {batch} was sent through {sent_to}, since replaced; sending it again through {} (attempt {attempt})", self.chain.url());
					continue;
				}
			};
			let Ok(included) = waited else {
				// Its node went silent (cut off): send it again, with the
				// same nonce, through the node in use now.
				tracing::warn!(target: "worker::voter", "{step:?} on batch {batch} not in a best block after {INCLUSION_PATIENCE:?} (attempt {attempt})");
				continue;
			};
			match included {
				Ok(_) => {
					self.core.metrics.votes_sent.inc();
					tracing::debug!(target: "worker::voter", "{step:?} on batch {batch} included");
					return Ok(());
				}
				Err(e) if e.dropped || e.lost => {
					// Not refused: dropped by the pool, or its node lost. The
					// same nonce again lands at most one copy.
					tracing::warn!(target: "worker::voter", "{step:?} on batch {batch} dropped or its node lost (attempt {attempt}): {:#}", e.error);
					tokio::time::sleep(Duration::from_millis(500)).await;
				}
				Err(e) => {
					let name = e.refusal.as_ref().map_or("no pallet error", |r| r.name.as_str());
					let error = e.refusal.as_ref().and_then(|r| r.error.as_ref());
					return match refused(error) {
						Refused::Done => {
							// A copy of this step landed already. The nonces
							// are there so that this never happens (see the
							// module docs): said loudly, and tests look for it.
							self.core.metrics.votes_refused.inc();
							tracing::warn!(target: "worker::voter", "{step:?} on batch {batch} sent a second time: {:#}", e.error);
							Ok(())
						}
						Refused::TooEarly => {
							// Read on another fork (a node cut off builds its
							// own), where the commit window closed sooner: on
							// this chain it is due later, and is derived and
							// sent again then.
							Err(e.error.context(format!(
								"the {step:?} on batch {batch} came before reveals opened"
							)))
						}
						Refused::Stale => {
							// Not a refusal of this member: the block it landed
							// in is not the state it was read from. What is due
							// there (a commitment for the requests that chain
							// ordered under this id, in the form its runtime
							// takes, or nothing once the window has passed) is
							// derived from the next best block.
							self.core.metrics.votes_refused.inc();
							let times = {
								let mut stale = lock(&self.stale);
								let times = stale.entry(key).or_default();
								*times += 1;
								*times
							};
							if times >= STALE_AT_MOST {
								self.give_up(
									batch,
									&format!(
										"its {step:?} was refused {times} times: {:#}",
										e.error
									),
								);
							}
							Err(e.error.context(format!(
								"the {step:?} on batch {batch} was read from another state than the block it landed in ({name})"
							)))
						}
						Refused::Final => {
							// Sending it again would only pay another fee.
							self.core.metrics.votes_refused.inc();
							self.give_up(
								batch,
								&format!("the chain refused its {step:?}: {:#}", e.error),
							);
							Err(e.error.context(format!("the {step:?} on batch {batch}")))
						}
					};
				}
			}
		}
		self.core.metrics.votes_refused.inc();
		bail!("{step:?} on batch {batch} not included after 3 attempts")
	}
}

/// Resolves when the chain's connection has moved to another node than
/// `sent_to`; pending otherwise (also when the chain is gone).
pub(crate) async fn changed_node(
	reconnected: &mut tokio::sync::watch::Receiver<u64>,
	chain: &Chain,
	sent_to: &str,
) {
	loop {
		if reconnected.changed().await.is_err() {
			return std::future::pending().await;
		}
		if chain.url() != sent_to {
			return;
		}
	}
}

/// Whether the pool refused a transaction because its nonce is used: a
/// copy of it waits in the pool (too low a priority to replace it) or a
/// block holds one (outdated).
fn nonce_taken(e: &anyhow::Error) -> bool {
	let text = format!("{e:#}").to_lowercase();
	text.contains("priority is too low") || text.contains("outdated")
}

/// What a commitment or reveal refused on chain tells the voter, which
/// derives every step from the state of a best block. Most refusals say the
/// block the step landed in holds another state than the one it was read
/// from: a fork that ordered other requests under the batch id or none at
/// all, one where the member's commitment did not land, a runtime upgrade
/// crossed on the way, or blocks that passed while it waited in the pool.
/// Then the next best block says what is due, if anything (`due_steps` gives
/// up on a batch whose window has passed there). Only a refusal that no
/// state read again can mend makes the voter give up on the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refused {
	/// The chain holds this step already: a second copy was sent, which the
	/// nonces are there to prevent.
	Done,
	/// A reveal before reveals opened on the chain it landed on.
	TooEarly,
	/// Read from another state than the block it landed in.
	Stale,
	/// Refused whatever state it is read from (the member is suspended or
	/// not in the group, equivocated, or its model's output is malformed).
	Final,
}

/// How to take a step's refusal (see [`Refused`]). Every pallet error is
/// named, so that one added to the pallet is placed here before it builds.
fn refused(error: Option<&runtime::Error>) -> Refused {
	use runtime::runtime_types::pallet_inference::pallet::Error as E;
	let Some(runtime::Error::Inference(error)) = error else { return Refused::Final };
	match error {
		E::AlreadyCommitted | E::AlreadyRevealed => Refused::Done,
		E::CommitPhaseOpen => Refused::TooEarly,
		// A fork without the batch, or one that opened it in the landing block.
		E::UnknownBatch | E::BatchStillFilling |
		// Windows that passed on this chain while the step was on its way
		// (`due_steps` then gives up on the batch, having read it again).
		E::BatchClosed | E::CommitWindowClosed |
		// A commitment that landed on a fork that lost, and a reveal carried
		// to the chain that won.
		E::NoCommitment |
		// Made for the requests (and so the outputs and versions) that another
		// fork ordered under this batch id.
		E::OtherRequests | E::RevealMismatch | E::WrongLength | E::WrongVersion |
		// A commitment in the old form that met the runtime upgrade.
		E::RequestsNotNamed => Refused::Stale,
		E::NotMember | E::MemberSuspended | E::AlreadyEquivocated | E::MalformedOutput => {
			Refused::Final
		}
		// Errors of the other calls (requests, lies), which no vote meets.
		E::UnknownGroup |
		E::GroupInactive |
		E::FeeBelowPrice |
		E::CannotPayFee |
		E::NoInputs |
		E::TooManyRequests |
		E::Overflow |
		E::FeeTransferFailed |
		E::UnknownRequest |
		E::AnswerForOtherChain |
		E::AnswerForOtherRequest |
		E::AnswerNotByMember |
		E::AnswerForOtherVersion |
		E::NotRevealed |
		E::BadAnswerSignature |
		E::NotALie |
		E::AlreadyConvicted => Refused::Final,
	}
}

/// What the voter does about a step a batch lacks.
enum Action {
	/// Send it, with a fresh nonce or again with the one it was sent with.
	Send(Option<u64>),
	/// It is in the pool or in a later block.
	Wait,
}

#[cfg(test)]
mod tests {
	use super::*;
	use runtime::runtime_types::pallet_inference::pallet::Error as E;

	fn of(error: E) -> Refused {
		refused(Some(&runtime::Error::Inference(error)))
	}

	#[test]
	fn a_step_read_on_a_fork_that_lost_is_derived_again_and_one_about_the_member_is_given_up() {
		// A reorg: the commitment landed on the fork that lost, the reveal on
		// the chain that won; or the batch id holds other requests there.
		for stale in [E::NoCommitment, E::UnknownBatch, E::BatchStillFilling, E::OtherRequests] {
			assert_eq!(of(stale.clone()), Refused::Stale, "{stale:?}");
		}
		assert_eq!(of(E::CommitPhaseOpen), Refused::TooEarly);
		assert_eq!(of(E::AlreadyRevealed), Refused::Done);
		for last in [E::MemberSuspended, E::NotMember, E::AlreadyEquivocated] {
			assert_eq!(of(last.clone()), Refused::Final, "{last:?}");
		}
		// Not a pallet error this build knows (another pallet's, or none).
		assert_eq!(refused(None), Refused::Final);
	}
}
