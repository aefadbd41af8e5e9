//! The group's members as the chain names them, and where their workers
//! are: each worker key announces its libp2p peer id and addresses on chain
//! (pallet-models' `set_worker_peer`). A worker announces its own at start,
//! then follows the group at the finalized head: its network connects to
//! the other members' peers and refuses every other peer ([`crate::p2p`]).
//!
//! A chain still on a runtime from before the registry has no announced
//! peers: the worker then connects to the members it is given
//! (`--fallback-peer`, each with its peer id) and switches to the chain's
//! when the upgrade lands ([`Following`]).

use crate::{
	p2p::{Member, P2p},
	voter::SendLock,
};
use anyhow::{bail, Context, Result};
use dropbear_api::{account, runtime, Chain, GroupId, Keypair, ModelId};
use libp2p::{multiaddr::Protocol, Multiaddr, PeerId};
use std::{sync::Arc, time::Duration};

/// How often the group's members are read again.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);
/// How many times an announcement that reached no block is sent.
const ANNOUNCE_TRIES: u32 = 5;
/// How long an announcement may take to reach a best block.
const INCLUSION_PATIENCE: Duration = Duration::from_secs(30);

/// The chain took this worker's announcement into a block and refused it
/// there (the key is not the model's worker, say): a setting to fix, not a
/// moment to wait out.
#[derive(Debug)]
pub struct AnnouncementRefused(pub String);

impl std::fmt::Display for AnnouncementRefused {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(&self.0)
	}
}

impl std::error::Error for AnnouncementRefused {}

/// Announce `peer` at `addrs` for `model` with its worker key, unless the
/// chain already has exactly that. Waits for the best block that takes it.
///
/// An announcement that reaches no block is sent again, up to
/// [`ANNOUNCE_TRIES`] times [`FOLLOW_EVERY`] apart: a worker restarted
/// together with its node can sign with a nonce its node's best block still
/// allows while a block its node has not yet imported already used it, and
/// the pool drops it as outdated once that block comes. One that was lost
/// (no block within [`INCLUSION_PATIENCE`], the node went away, or the
/// worker failed over to another node meanwhile) is sent
/// again with the same nonce, so that at most one of the two can land, and
/// no later transaction of this key waits behind a nonce nothing fills:
/// `lost_nonce` keeps it, also across calls, until a send with it is taken
/// or the pool's count for the key is past it. Fails with
/// [`AnnouncementRefused`] when a block refused it with a pallet error.
pub async fn announce(
	chain: &Chain,
	signer: &Keypair,
	model: ModelId,
	peer: PeerId,
	addrs: &[Multiaddr],
	lost_nonce: &mut Option<u64>,
	send_lock: &SendLock,
) -> Result<()> {
	let peer_id = peer.to_bytes();
	let addrs: Vec<Vec<u8>> = addrs.iter().map(|a| a.to_vec()).collect();
	let what = || format!("announcing peer {peer} for model {model} with key {}", account(signer));
	let call = runtime::tx().models().set_worker_peer(peer_id.clone(), addrs.clone());
	let mut last_error = None;
	for attempt in 1..=ANNOUNCE_TRIES {
		if attempt > 1 {
			tokio::time::sleep(FOLLOW_EVERY).await;
		}
		match chain.worker_peer(None, model).await {
			Ok(Some(known))
				if known.peer_id.0 == peer_id
					&& known.addrs.0.iter().map(|a| &a.0).eq(addrs.iter()) =>
			{
				tracing::info!(target: "worker", "peer {peer} is announced for model {model}");
				return Ok(());
			}
			Ok(_) => {}
			Err(e) => {
				tracing::warn!(target: "worker", "{} (attempt {attempt}): reading the announced peer: {e:#}", what());
				last_error = Some(e);
				continue;
			}
		}
		let mut reconnected = chain.reconnections();
		let sent = {
			// The voter sends with this key too (at the registry's upgrade
			// it is running): one next nonce for one transaction.
			let _one_at_a_time = send_lock.lock().await;
			match *lost_nonce {
				Some(nonce) => chain.send_with_nonce(signer, &call, nonce).await,
				None => chain.send(signer, &call).await,
			}
		};
		let pending = match sent {
			Ok(pending) => {
				*lost_nonce = None;
				pending
			}
			Err(e) => {
				// The pool holds that nonce, or the chain used it: the lost
				// copy is alive or landed, and the next send takes the next.
				if let Some(nonce) = *lost_nonce {
					if chain.pool_nonce(&account(signer)).await.is_ok_and(|next| next > nonce) {
						*lost_nonce = None;
					}
				}
				tracing::warn!(target: "worker", "{} (attempt {attempt}): {e:#}", what());
				last_error = Some(e);
				continue;
			}
		};
		let nonce = pending.nonce();
		let sent_to = pending.node_url().to_string();
		let waited = tokio::select! {
			waited = tokio::time::timeout(INCLUSION_PATIENCE, pending.included()) => waited,
			// The worker's voter failed over to another node: the old one
			// may never report it (see the voter's steps), and the voter's
			// steps would queue behind its nonce on the new node.
			_ = crate::voter::changed_node(&mut reconnected, chain, &sent_to) => {
				tracing::warn!(target: "worker", "{} (attempt {attempt}): sent through a node since replaced", what());
				*lost_nonce = Some(nonce);
				last_error = Some(anyhow::anyhow!("sent through a node since replaced"));
				continue;
			}
		};
		let outcome = match waited {
			Ok(outcome) => outcome,
			Err(_) => {
				tracing::warn!(target: "worker", "{} (attempt {attempt}): in no best block after {INCLUSION_PATIENCE:?}", what());
				*lost_nonce = Some(nonce);
				last_error = Some(anyhow::anyhow!("in no best block after {INCLUSION_PATIENCE:?}"));
				continue;
			}
		};
		if let Err(e) = &outcome {
			// A pallet's error, by the block's metadata (not a dispatch
			// error of another kind).
			if let Some(refusal) = e.refusal.as_ref().filter(|r| r.error.is_some()) {
				let refused = format!("{}: the chain refused it: {refusal}", what());
				return Err(AnnouncementRefused(refused).into());
			}
			if e.lost {
				*lost_nonce = Some(nonce);
			}
		}
		match chain.settle(outcome) {
			Ok(_) => {
				tracing::info!(target: "worker", "announced peer {peer} for model {model} on chain");
				return Ok(());
			}
			Err(e) => {
				tracing::warn!(target: "worker", "{} (attempt {attempt}): {e:#}", what());
				last_error = Some(e);
			}
		}
	}
	let e = last_error.unwrap_or_else(|| anyhow::anyhow!("no attempt made"));
	Err(e.context(format!("{} failed {ANNOUNCE_TRIES} times", what())))
}

/// The members of `group` other than `own`, with their announced peers,
/// and how many announced none. A member that announced none, or bytes
/// that are no peer id, is left out (and logged); an address that is no
/// multiaddr is dropped.
pub async fn read(chain: &Chain, group: GroupId, own: ModelId) -> Result<(Vec<Member>, usize)> {
	let at = chain.at(None).await?.block_hash();
	let record = chain
		.group(Some(at), group)
		.await?
		.with_context(|| format!("group {group} does not exist"))?;
	let mut members = Vec::new();
	let mut unannounced = 0;
	for member in record.members.0.iter().filter(|m| m.model != own) {
		let Some(announced) = chain.worker_peer(Some(at), member.model).await? else {
			tracing::debug!(target: "worker::p2p", "model {} has announced no peer", member.model);
			unannounced += 1;
			continue;
		};
		let peer = match PeerId::from_bytes(&announced.peer_id.0) {
			Ok(peer) => peer,
			Err(e) => {
				tracing::warn!(target: "worker::p2p", "model {}'s announced peer id: {e}", member.model);
				unannounced += 1;
				continue;
			}
		};
		let addrs = announced
			.addrs
			.0
			.iter()
			.filter_map(|a| match Multiaddr::try_from(a.0.clone()) {
				Ok(addr) => Some(addr),
				Err(e) => {
					tracing::warn!(target: "worker::p2p", "model {}'s announced address: {e}", member.model);
					None
				}
			})
			.collect();
		members.push(Member { peer, addrs });
	}
	Ok((members, unannounced))
}

/// Members given on the command line (`--fallback-peer`), for a chain
/// whose runtime keeps no announced peers yet: each a multiaddr ending in
/// `/p2p/<peer id>`, which is what authenticates the member.
pub fn fallback_members(addrs: &[String]) -> Result<Vec<Member>> {
	addrs
		.iter()
		.map(|text| {
			let mut addr: Multiaddr =
				text.parse().with_context(|| format!("--fallback-peer {text} is no multiaddr"))?;
			match addr.pop() {
				Some(Protocol::P2p(peer)) => Ok(Member { peer, addrs: vec![addr] }),
				_ => bail!("--fallback-peer {text} does not end in /p2p/<peer id>"),
			}
		})
		.collect()
}

/// This worker's own peer, as it announces it.
pub struct Announcement {
	pub signer: Keypair,
	pub model: ModelId,
	pub peer: PeerId,
	pub addrs: Vec<Multiaddr>,
}

/// Keeps `p2p`'s members those of the group on chain.
///
/// On a chain whose runtime keeps no announced peers (one not yet upgraded
/// to the registry), the members are the fallback ones, and nothing is
/// announced. Once the chain keeps peers (the upgrade is enacted), the
/// worker announces its own and takes the group's members from the chain;
/// the fallback members are kept beside them until every other member has
/// announced (so that gossip does not stop while the others catch up), and
/// never again after that: a member that leaves later is not let back in
/// by a list given at start.
pub struct Following {
	chain: Arc<Chain>,
	p2p: P2p,
	group: GroupId,
	own: Announcement,
	fallback: Vec<Member>,
	announced: bool,
	/// A block refused the announcement: it is not sent again (each try
	/// would pay a fee to be refused again).
	refused: bool,
	/// The nonce of an announcement that was lost, to send again with.
	lost_nonce: Option<u64>,
	/// The voter's: it sends with the same key.
	send_lock: SendLock,
	fallback_done: bool,
	on_fallback: bool,
}

impl Following {
	/// Announce this worker's peer (or, on a chain without the registry,
	/// take the fallback members) and set the members a first time. An
	/// announcement that fails (see [`announce`]) is an error.
	pub async fn start(
		chain: Arc<Chain>,
		p2p: P2p,
		group: GroupId,
		own: Announcement,
		fallback: Vec<Member>,
		send_lock: SendLock,
	) -> Result<Self> {
		let mut following = Self {
			chain,
			p2p,
			group,
			own,
			fallback,
			announced: false,
			refused: false,
			lost_nonce: None,
			send_lock,
			fallback_done: false,
			on_fallback: false,
		};
		following.step().await?;
		Ok(following)
	}

	/// Read the group again every [`FOLLOW_EVERY`] until the process stops.
	/// An announcement (at the upgrade to the registry) that a block
	/// refuses is not sent again; the members are still followed.
	pub fn spawn(mut self) {
		tokio::spawn(async move {
			loop {
				tokio::time::sleep(FOLLOW_EVERY).await;
				if let Err(e) = self.step().await {
					if e.downcast_ref::<AnnouncementRefused>().is_some() {
						tracing::error!(target: "worker", "{e:#}; not announcing again, so the other members cannot reach this worker");
						self.refused = true;
					} else {
						tracing::debug!(target: "worker::p2p", "following the group's members: {e:#}");
					}
				}
			}
		});
	}

	async fn step(&mut self) -> Result<()> {
		// Once announced, the registry is there to stay: no need to ask.
		if !self.announced && !self.chain.has_peer_registry(None).await? {
			if !self.on_fallback {
				if self.fallback.is_empty() {
					tracing::warn!(target: "worker", "the chain's runtime keeps no workers' peers and no --fallback-peer was given: this worker hears no other member until the runtime is upgraded");
				} else {
					tracing::warn!(target: "worker", "the chain's runtime keeps no workers' peers: connecting to the {} --fallback-peer members until it is upgraded", self.fallback.len());
				}
				self.p2p.set_members(self.fallback.clone()).await;
				self.on_fallback = true;
			}
			return Ok(());
		}
		if !self.announced && !self.refused {
			let Announcement { signer, model, peer, addrs } = &self.own;
			announce(
				&self.chain,
				signer,
				*model,
				*peer,
				addrs,
				&mut self.lost_nonce,
				&self.send_lock,
			)
			.await?;
			self.announced = true;
			if self.on_fallback {
				tracing::info!(target: "worker", "the chain now keeps workers' peers: members from the chain from now on");
			}
		}
		let (mut members, unannounced) = read(&self.chain, self.group, self.own.model).await?;
		if unannounced == 0 {
			self.fallback_done = true;
		}
		if !self.fallback_done {
			for member in &self.fallback {
				if !members.iter().any(|m| m.peer == member.peer) {
					members.push(member.clone());
				}
			}
		}
		self.p2p.set_members(members).await;
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn fallback_members_name_their_peer_ids() {
		let peer = libp2p::identity::Keypair::generate_ed25519().public().to_peer_id();
		let members = fallback_members(&[format!("/ip4/10.0.0.2/tcp/30444/p2p/{peer}")]).unwrap();
		assert_eq!(
			members,
			vec![Member { peer, addrs: vec!["/ip4/10.0.0.2/tcp/30444".parse().unwrap()] }]
		);
		let without = fallback_members(&["/ip4/10.0.0.2/tcp/30444".into()]).unwrap_err();
		assert!(without.to_string().contains("does not end in /p2p/<peer id>"), "{without}");
		let garbage = fallback_members(&["10.0.0.2:30444".into()]).unwrap_err();
		assert!(garbage.to_string().contains("is no multiaddr"), "{garbage}");
	}
}
