//! The group's members as the chain names them, and where their workers
//! are: each worker key announces its libp2p peer id and addresses on chain
//! (pallet-models' `set_worker_peer`). A worker announces its own at start,
//! then follows the group at the finalized head: its network connects to
//! the other members' peers and refuses every other peer ([`crate::p2p`]).

use crate::p2p::{Member, P2p};
use anyhow::{Context, Result};
use dropbear_api::{account, runtime, Chain, GroupId, Keypair, ModelId};
use libp2p::{Multiaddr, PeerId};
use std::{sync::Arc, time::Duration};

/// How often the group's members are read again.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Announce `peer` at `addrs` for `model` with its worker key, unless the
/// chain already has exactly that. Waits for the best block that takes it.
pub async fn announce(
	chain: &Chain,
	signer: &Keypair,
	model: ModelId,
	peer: PeerId,
	addrs: &[Multiaddr],
) -> Result<()> {
	let peer_id = peer.to_bytes();
	let addrs: Vec<Vec<u8>> = addrs.iter().map(|a| a.to_vec()).collect();
	if let Some(known) = chain.worker_peer(None, model).await? {
		let known_addrs: Vec<&Vec<u8>> = known.addrs.0.iter().map(|a| &a.0).collect();
		if known.peer_id.0 == peer_id && known_addrs == addrs.iter().collect::<Vec<_>>() {
			tracing::info!(target: "worker", "peer {peer} is already announced for model {model}");
			return Ok(());
		}
	}
	let call = runtime::tx().models().set_worker_peer(peer_id, addrs);
	chain.submit(signer, &call).await.with_context(|| {
		format!("announcing peer {peer} for model {model} with key {}", account(signer))
	})?;
	tracing::info!(target: "worker", "announced peer {peer} for model {model} on chain");
	Ok(())
}

/// The members of `group` other than `own`, with their announced peers.
/// A member that announced none, or bytes that are no peer id, is left out
/// (and logged); an address that is no multiaddr is dropped.
pub async fn read(chain: &Chain, group: GroupId, own: ModelId) -> Result<Vec<Member>> {
	let at = chain.at(None).await?.block_hash();
	let record = chain
		.group(Some(at), group)
		.await?
		.with_context(|| format!("group {group} does not exist"))?;
	let mut members = Vec::new();
	for member in record.members.0.iter().filter(|m| m.model != own) {
		let Some(announced) = chain.worker_peer(Some(at), member.model).await? else {
			tracing::debug!(target: "worker::p2p", "model {} has announced no peer", member.model);
			continue;
		};
		let peer = match PeerId::from_bytes(&announced.peer_id.0) {
			Ok(peer) => peer,
			Err(e) => {
				tracing::warn!(target: "worker::p2p", "model {}'s announced peer id: {e}", member.model);
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
	Ok(members)
}

/// Keep `p2p`'s members those of `group` on chain, read every
/// [`FOLLOW_EVERY`] until the process stops.
pub fn follow(chain: Arc<Chain>, p2p: P2p, group: GroupId, own: ModelId) {
	tokio::spawn(async move {
		loop {
			match read(&chain, group, own).await {
				Ok(members) => p2p.set_members(members).await,
				Err(e) => {
					tracing::debug!(target: "worker::p2p", "reading the group's members: {e:#}")
				}
			}
			tokio::time::sleep(FOLLOW_EVERY).await;
		}
	});
}
