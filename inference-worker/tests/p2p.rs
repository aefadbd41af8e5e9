//! Two workers on loopback: an input gossiped by one reaches the other, and an
//! input only one holds is fetched by hash.

use dropbear_worker::{
	inputs::{input_hash, InputStore},
	p2p::{self, P2p},
};
use std::{sync::Arc, time::Duration};
use tokio::sync::mpsc;

async fn node(
	peers: Vec<libp2p::Multiaddr>,
	store: InputStore,
) -> (P2p, libp2p::Multiaddr, mpsc::Receiver<p2p::Received>) {
	let (tx, rx) = mpsc::channel(16);
	let key = p2p::node_key(None).unwrap();
	let (p2p, addr) = P2p::start(key, "/ip4/127.0.0.1/tcp/0".parse().unwrap(), peers, 0, store, tx)
		.await
		.unwrap();
	(p2p, addr, rx)
}

#[tokio::test]
async fn an_input_gossiped_by_one_member_reaches_the_other_and_can_be_fetched_by_hash() {
	let store_a = InputStore::new(16);
	let (a, addr_a, _rx_a) = node(vec![], store_a.clone()).await;
	let dial = addr_a.with(libp2p::multiaddr::Protocol::P2p(a.peer_id));
	let (b, _, mut rx_b) = node(vec![dial], InputStore::new(16)).await;

	// Wait for the connection and the topic subscriptions to be exchanged.
	let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
	while b.peers().await == 0 {
		assert!(tokio::time::Instant::now() < deadline, "the workers did not connect");
		tokio::time::sleep(Duration::from_millis(100)).await;
	}

	// A large input (a 224 x 224 x 3 f32 image) fits in one message.
	let image: Vec<u8> = (0..224 * 224 * 3 * 4).map(|i| (i % 251) as u8).collect();
	let received = loop {
		a.publish(0, Arc::new(image.clone())).await;
		match tokio::time::timeout(Duration::from_secs(1), rx_b.recv()).await {
			Ok(Some(r)) => break r,
			_ => assert!(tokio::time::Instant::now() < deadline, "gossip never arrived"),
		}
	};
	assert_eq!(received.group, 0);
	assert_eq!(input_hash(&received.bytes), input_hash(&image));
	assert_eq!(received.from, a.peer_id);

	// An input only A holds: B fetches it by hash; an unknown hash gives nothing.
	let held = vec![7u8; 256];
	store_a.insert(input_hash(&held), Arc::new(held.clone()));
	assert_eq!(b.fetch(input_hash(&held)).await, Some(held));
	assert_eq!(b.fetch([9u8; 32]).await, None);
}
