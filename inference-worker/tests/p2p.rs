//! Workers on loopback: an input gossiped by one member reaches the other,
//! an input only one holds is fetched by hash, and a peer that is not a
//! member (or no longer one) gets nothing.

use dropbear_worker::{
	inputs::{input_hash, Bytes, InputStore},
	p2p::{self, Member, P2p},
};
use std::{future::Future, time::Duration};
use tokio::sync::mpsc;

async fn node(store: InputStore) -> (P2p, Member, mpsc::Receiver<p2p::Received>) {
	let (tx, rx) = mpsc::channel(16);
	let key = p2p::node_key(None).unwrap();
	let (p2p, addr) =
		P2p::start(key, "/ip4/127.0.0.1/tcp/0".parse().unwrap(), 0, store, tx).await.unwrap();
	let member = Member { peer: p2p.peer_id, addrs: vec![addr] };
	(p2p, member, rx)
}

async fn until<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
	let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
	while !check().await {
		assert!(tokio::time::Instant::now() < deadline, "{what}");
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
}

#[tokio::test]
async fn members_gossip_and_fetch_and_anyone_else_gets_nothing() {
	let store_a = InputStore::new(16);
	let (a, member_a, _rx_a) = node(store_a.clone()).await;
	let (b, member_b, mut rx_b) = node(InputStore::new(16)).await;
	let (c, _, _rx_c) = node(InputStore::new(16)).await;
	a.set_members(vec![member_b.clone()]).await;
	b.set_members(vec![member_a.clone()]).await;
	// C is nobody's member but knows where A is.
	c.set_members(vec![member_a.clone()]).await;

	// Wait for the connection and the topic subscriptions to be exchanged.
	until("the members did not connect", || async { b.peers().await == 1 }).await;

	// A large input (a 224 x 224 x 3 f32 image) fits in one message.
	let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
	let image: Vec<u8> = (0..224 * 224 * 3 * 4).map(|i| (i % 251) as u8).collect();
	let received = loop {
		a.publish(0, Bytes::from(image.clone())).await;
		match tokio::time::timeout(Duration::from_secs(1), rx_b.recv()).await {
			Ok(Some(r)) => break r,
			_ => assert!(tokio::time::Instant::now() < deadline, "gossip never arrived"),
		}
	};
	assert_eq!(received.group, 0);
	assert_eq!(input_hash(&received.bytes), input_hash(&image));
	assert_eq!(received.from, a.peer_id);

	// An input only A holds: B fetches it by hash; an unknown hash gives
	// nothing; C, who dialled A all along, gets nothing either.
	let held = vec![7u8; 256];
	store_a.insert(input_hash(&held), Bytes::from(held.clone()));
	assert_eq!(b.fetch(input_hash(&held)).await, Some(held.clone()));
	assert_eq!(b.fetch([9u8; 32]).await, None);
	assert_eq!(c.fetch(input_hash(&held)).await, None);
	assert_eq!(a.peers().await, 1, "A accepted only its member");

	// B leaves the group: A drops it and refuses it from then on, though B
	// keeps dialling.
	a.set_members(vec![]).await;
	until("A kept B", || async { a.peers().await == 0 }).await;
	assert_eq!(b.fetch(input_hash(&held)).await, None);
}
