//! Input gossip between the members of a group over libp2p: a gossipsub topic
//! per group carries every input a member receives, and a request-response
//! protocol fetches an input by hash when a member missed it, asking every
//! connected peer at once (the first answer whose hash matches wins).
//!
//! Only members talk: the network keeps an allow list of the group members'
//! peer ids ([`P2p::set_members`], fed from the chain by [`crate::members`]).
//! A connection from any other peer is refused once its noise handshake has
//! proven its peer id, and a member that leaves the group (or whose worker
//! key changes) is disconnected. Members are dialled at the addresses they
//! announced on chain, again whenever the connection drops.

use crate::inputs::{Bytes, InputStore};
use anyhow::{Context, Result};
use codec::{Decode, Encode};
use dropbear_primitives::{Digest, GroupId};
use futures::StreamExt;
use libp2p::{
	allow_block_list, gossipsub, identity, noise,
	request_response::{self, ProtocolSupport},
	swarm::{dial_opts::DialOpts, ListenError, NetworkBehaviour, SwarmEvent},
	tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm,
};
use serde::{Deserialize, Serialize};
use std::{collections::HashMap, time::Duration};
use tokio::sync::{mpsc, oneshot};

/// Largest gossiped input: a 3 x 512 x 512 f32 image fits with room.
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
const FETCH_PROTOCOL: &str = "/dropbear/input-by-hash/1";

/// A gossiped input.
#[derive(Encode, Decode)]
struct InputMessage {
	group: GroupId,
	bytes: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FetchRequest(pub Digest);
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FetchResponse(pub Option<Vec<u8>>);

#[derive(NetworkBehaviour)]
struct Behaviour {
	/// The group's members: every other peer is refused.
	members: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
	gossipsub: gossipsub::Behaviour,
	fetch: request_response::cbor::Behaviour<FetchRequest, FetchResponse>,
}

/// An input another member gossiped: still to be checked by the receiver.
pub struct Received {
	pub group: GroupId,
	pub bytes: Vec<u8>,
	pub from: PeerId,
}

/// A member's worker as the chain announces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
	pub peer: PeerId,
	pub addrs: Vec<Multiaddr>,
}

enum Command {
	Members(Vec<Member>),
	Publish { group: GroupId, bytes: Bytes },
	Fetch { hash: Digest, reply: oneshot::Sender<Option<Vec<u8>>> },
	Peers { reply: oneshot::Sender<usize> },
}

/// Handle to the network task.
#[derive(Clone)]
pub struct P2p {
	commands: mpsc::Sender<Command>,
	pub peer_id: PeerId,
}

fn topic(group: GroupId) -> gossipsub::IdentTopic {
	gossipsub::IdentTopic::new(format!("/dropbear/group/{group}/inputs"))
}

impl P2p {
	/// Start the network: listen on `listen`, join `group`'s topic. No peer
	/// is allowed until [`P2p::set_members`] names them. Gossiped inputs go
	/// to `received`; fetch requests are answered from `store`.
	pub async fn start(
		key: identity::Keypair,
		listen: Multiaddr,
		group: GroupId,
		store: InputStore,
		received: mpsc::Sender<Received>,
	) -> Result<(Self, Multiaddr)> {
		let peer_id = key.public().to_peer_id();
		let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key)
			.with_tokio()
			.with_tcp(
				tcp::Config::default().nodelay(true),
				noise::Config::new,
				yamux::Config::default,
			)?
			.with_behaviour(|key| {
				let config = gossipsub::ConfigBuilder::default()
					.max_transmit_size(MAX_MESSAGE_BYTES)
					.validation_mode(gossipsub::ValidationMode::Strict)
					// Content-addressed: the same input gossiped twice is one message.
					.message_id_fn(|m: &gossipsub::Message| {
						gossipsub::MessageId::from(sp_crypto_hashing::blake2_256(&m.data).to_vec())
					})
					.heartbeat_interval(Duration::from_millis(500))
					.build()
					.map_err(|e| anyhow::anyhow!("gossipsub config: {e}"))?;
				let gossipsub = gossipsub::Behaviour::new(
					gossipsub::MessageAuthenticity::Signed(key.clone()),
					config,
				)
				.map_err(|e| anyhow::anyhow!("gossipsub: {e}"))?;
				let fetch = request_response::cbor::Behaviour::new(
					[(StreamProtocol::new(FETCH_PROTOCOL), ProtocolSupport::Full)],
					request_response::Config::default()
						.with_request_timeout(Duration::from_secs(10)),
				);
				Ok(Behaviour { members: Default::default(), gossipsub, fetch })
			})?
			.with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
			.build();
		swarm
			.behaviour_mut()
			.gossipsub
			.subscribe(&topic(group))
			.context("joining the group topic")?;
		swarm.listen_on(listen.clone()).with_context(|| format!("listening on {listen}"))?;
		let (commands, rx) = mpsc::channel(1024);
		let (addr_tx, addr_rx) = oneshot::channel();
		tokio::spawn(run(swarm, rx, store, received, addr_tx));
		// The real listen address (port 0 resolves to a free port).
		let addr = tokio::time::timeout(Duration::from_secs(10), addr_rx)
			.await
			.context("the network did not report its listen address")?
			.context("the network stopped")?;
		Ok((Self { commands, peer_id }, addr))
	}

	/// The group's other members: the only peers this worker connects to
	/// or accepts. Peers no longer named are disconnected.
	pub async fn set_members(&self, members: Vec<Member>) {
		let _ = self.commands.send(Command::Members(members)).await;
	}

	/// Gossip an input to the group.
	pub async fn publish(&self, group: GroupId, bytes: Bytes) {
		let _ = self.commands.send(Command::Publish { group, bytes }).await;
	}

	/// Ask every connected peer at once for an input by hash; `None` when
	/// none has it (or none is connected).
	pub async fn fetch(&self, hash: Digest) -> Option<Vec<u8>> {
		let (reply, rx) = oneshot::channel();
		self.commands.send(Command::Fetch { hash, reply }).await.ok()?;
		rx.await.ok().flatten()
	}

	/// Connected peers.
	pub async fn peers(&self) -> usize {
		let (reply, rx) = oneshot::channel();
		if self.commands.send(Command::Peers { reply }).await.is_err() {
			return 0;
		}
		rx.await.unwrap_or(0)
	}
}

/// An outstanding fetch: the requests still unanswered, and who waits.
struct Fetching {
	hash: Digest,
	outstanding: usize,
	reply: oneshot::Sender<Option<Vec<u8>>>,
}

/// Fetches by id, and the fetch each request belongs to.
#[derive(Default)]
struct Fetches {
	next: u64,
	by_id: HashMap<u64, Fetching>,
	requests: HashMap<request_response::OutboundRequestId, u64>,
}

impl Fetches {
	/// Ask every peer in `peers` for `hash` at once.
	fn start(
		&mut self,
		swarm: &mut Swarm<Behaviour>,
		hash: Digest,
		peers: Vec<PeerId>,
		reply: oneshot::Sender<Option<Vec<u8>>>,
	) {
		if peers.is_empty() {
			let _ = reply.send(None);
			return;
		}
		let id = self.next;
		self.next = self.next.wrapping_add(1);
		for peer in &peers {
			let request = swarm.behaviour_mut().fetch.send_request(peer, FetchRequest(hash));
			self.requests.insert(request, id);
		}
		self.by_id.insert(id, Fetching { hash, outstanding: peers.len(), reply });
	}

	/// One request's answer (`None`: failed): the fetch ends with the first
	/// bytes of the right hash, or with nothing once every peer has answered.
	fn answered(&mut self, request: request_response::OutboundRequestId, bytes: Option<Vec<u8>>) {
		let Some(id) = self.requests.remove(&request) else { return };
		let Some(f) = self.by_id.get_mut(&id) else { return };
		match bytes {
			Some(bytes) if crate::inputs::input_hash(&bytes) == f.hash => {
				if let Some(f) = self.by_id.remove(&id) {
					let _ = f.reply.send(Some(bytes));
				}
			}
			_ => {
				f.outstanding = f.outstanding.saturating_sub(1);
				if f.outstanding == 0 {
					if let Some(f) = self.by_id.remove(&id) {
						let _ = f.reply.send(None);
					}
				}
			}
		}
	}
}

async fn run(
	mut swarm: Swarm<Behaviour>,
	mut commands: mpsc::Receiver<Command>,
	store: InputStore,
	received: mpsc::Sender<Received>,
	addr_tx: oneshot::Sender<Multiaddr>,
) {
	let mut fetches = Fetches::default();
	let mut addr_tx = Some(addr_tx);
	// Members are dialled until connected, and again when the connection
	// drops: a member that starts later is still reached.
	let mut members: HashMap<PeerId, Vec<Multiaddr>> = HashMap::new();
	let mut redial = tokio::time::interval(Duration::from_secs(2));
	loop {
		tokio::select! {
			_ = redial.tick() => {
				for (peer, addrs) in &members {
					if addrs.is_empty() || swarm.is_connected(peer) {
						continue;
					}
					// From a port of its own, not the listening one: two
					// members dialling each other at once from their
					// listening ports would make one TCP connection by
					// simultaneous open, on which both start the handshake
					// as its initiator and it fails; across sites tens of
					// milliseconds apart, in lockstep every tick.
					let dial = DialOpts::peer_id(*peer)
						.addresses(addrs.clone())
						.allocate_new_port()
						.build();
					if let Err(e) = swarm.dial(dial) {
						tracing::debug!(target: "worker::p2p", "cannot dial {peer}: {e}");
					}
				}
			},
			command = commands.recv() => {
				let Some(command) = command else { return };
				match command {
					Command::Members(now) => {
						let now: HashMap<PeerId, Vec<Multiaddr>> =
							now.into_iter().map(|m| (m.peer, m.addrs)).collect();
						if now == members {
							continue;
						}
						let allow = &mut swarm.behaviour_mut().members;
						for gone in members.keys().filter(|p| !now.contains_key(p)) {
							allow.disallow_peer(*gone);
							tracing::info!(target: "worker::p2p", "{gone} is no longer a member's peer");
						}
						for (peer, addrs) in now.iter().filter(|(p, _)| !members.contains_key(p)) {
							allow.allow_peer(*peer);
							tracing::info!(target: "worker::p2p", "member peer {peer} at {addrs:?}");
						}
						members = now;
					},
					Command::Publish { group, bytes } => {
						let data = InputMessage { group, bytes: bytes.to_vec() }.encode();
						match swarm.behaviour_mut().gossipsub.publish(topic(group), data) {
							Ok(_) | Err(gossipsub::PublishError::Duplicate) => {},
							Err(e) => tracing::debug!(target: "worker::p2p", "gossip not sent: {e}"),
						}
					},
					Command::Fetch { hash, reply } => {
						let peers: Vec<PeerId> = swarm.connected_peers().copied().collect();
						fetches.start(&mut swarm, hash, peers, reply);
					},
					Command::Peers { reply } => {
						let _ = reply.send(swarm.connected_peers().count());
					},
				}
			},
			event = swarm.select_next_some() => match event {
				SwarmEvent::NewListenAddr { address, .. } => {
					tracing::info!(target: "worker::p2p", "listening on {address}/p2p/{}", swarm.local_peer_id());
					if let Some(tx) = addr_tx.take() {
						let _ = tx.send(address);
					}
				},
				SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
					propagation_source,
					message,
					..
				})) => {
					match InputMessage::decode(&mut &message.data[..]) {
						Ok(m) => {
							let _ = received
								.send(Received { group: m.group, bytes: m.bytes, from: propagation_source })
								.await;
						},
						Err(e) => tracing::debug!(target: "worker::p2p", "undecodable gossip from {propagation_source}: {e}"),
					}
				},
				SwarmEvent::Behaviour(BehaviourEvent::Fetch(request_response::Event::Message { peer, message, .. })) => {
					match message {
						request_response::Message::Request { request, channel, .. } => {
							let answer = store.get(&request.0).map(|b| b.to_vec());
							let _ = swarm.behaviour_mut().fetch.send_response(channel, FetchResponse(answer));
							tracing::trace!(target: "worker::p2p", "answered a fetch from {peer}");
						},
						request_response::Message::Response { request_id, response } => {
							fetches.answered(request_id, response.0);
						},
					}
				},
				SwarmEvent::Behaviour(BehaviourEvent::Fetch(request_response::Event::OutboundFailure { request_id, error, .. })) => {
					tracing::debug!(target: "worker::p2p", "fetch failed: {error}");
					fetches.answered(request_id, None);
				},
				SwarmEvent::ConnectionEstablished { peer_id, .. } => {
					tracing::info!(target: "worker::p2p", "connected to {peer_id}");
				},
				SwarmEvent::OutgoingConnectionError { peer_id: Some(peer), error, .. } if members.contains_key(&peer) => {
					// Dialled again on the next tick; said once a tick at most.
					tracing::warn!(target: "worker::p2p", "dialling member {peer}: {error}");
				},
				SwarmEvent::ConnectionClosed { peer_id, .. } => {
					tracing::info!(target: "worker::p2p", "disconnected from {peer_id}");
				},
				SwarmEvent::IncomingConnectionError { send_back_addr, error: ListenError::Denied { cause }, .. } => {
					// The cause names the peer id its handshake proved.
					match cause.downcast_ref::<allow_block_list::NotAllowed>() {
						Some(not_allowed) => tracing::warn!(target: "worker::p2p", "refused a peer at {send_back_addr} that is no member of the group: {not_allowed}"),
						None => tracing::warn!(target: "worker::p2p", "refused a peer at {send_back_addr}: {cause}"),
					}
				},
				_ => {},
			},
		}
	}
}

/// A node key from a 32-byte ed25519 secret (hex), or a fresh one.
pub fn node_key(secret_hex: Option<&str>) -> Result<identity::Keypair> {
	match secret_hex {
		None => Ok(identity::Keypair::generate_ed25519()),
		Some(hex_key) => {
			let mut bytes =
				hex::decode(hex_key.trim_start_matches("0x")).context("node key is not hex")?;
			let secret = identity::ed25519::SecretKey::try_from_bytes(&mut bytes)
				.context("node key is not a 32-byte ed25519 secret")?;
			Ok(identity::ed25519::Keypair::from(secret).into())
		}
	}
}
