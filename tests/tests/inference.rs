//! The inference market on a real dev chain: a client orders a batch of
//! requests, the demo members' worker keys vote, the chain certifies by
//! quorum, pays the agreeing owners and refunds the rest, and the runtime API
//! serves the certificates.

use dropbear_api::{
	account,
	runtime::{
		self,
		inference::events::{Decided, Requested},
	},
	BatchId, Chain, Digest, GroupId, Included, Keypair, Outcome, Output,
};
use dropbear_e2e::{
	chain::{check_ledger, ledger_now, refused},
	dev_key, wait_for, worker_key, Node, NodeSpec,
};
use std::time::Duration;

const PRICE: u128 = 10_000_000_000; // 10 milli-units: the demo group's price

/// A vote of version 1's labels on a batch (commit, then reveal), waiting
/// for finality.
async fn vote(
	chain: &Chain,
	who: &Keypair,
	batch: BatchId,
	outputs: &[u32],
) -> anyhow::Result<Included> {
	let outputs = outputs.iter().map(|l| Output::Label(*l)).collect();
	dropbear_e2e::chain::vote(chain, who, batch, 1, outputs).await
}

#[tokio::test]
async fn votes_of_a_quorum_certify_pay_the_agreeing_owners_and_refund_the_rest() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	node.rpc().await.unwrap();
	let chain = node.chain().await.unwrap();
	let start = ledger_now(&chain).await.unwrap();

	// Ferdie, who owns nothing, orders three inputs in one call.
	let client = dev_key("Ferdie");
	let client_account = account(&client);
	let (free_before, _) = chain.balance(None, &client_account).await.unwrap();
	let hashes: Vec<Digest> = (1u8..=3).map(|i| [i; 32]).collect();
	let call = runtime::tx().inference().request_batch(0, hashes, PRICE);
	let included = chain.submit_finalized(&client, &call).await.unwrap();
	let requested: Vec<Requested> =
		included.events.find::<Requested>().collect::<Result<_, _>>().unwrap();
	assert_eq!(requested.len(), 3);
	let batch = requested[0].batch;
	let first_request = requested[0].request;
	let (_, held) = chain.balance(None, &client_account).await.unwrap();
	assert_eq!(held, 3 * PRICE, "three fees held until the batch closes");

	// Pending batches of group 0 list it.
	let pending = chain.pending_batches(None, 0).await.unwrap();
	assert!(pending.contains(&batch), "pending: {pending:?}");

	// Alice's worker answers 1, 2, 3; Bob's and Charlie's agree on the first two
	// and differ on the third; Dave's worker is silent.
	let (bob, dave) = (account(&dev_key("Bob")), account(&dev_key("Dave")));
	let (bob_free_before, _) = chain.balance(None, &bob).await.unwrap();
	let (dave_free_before, _) = chain.balance(None, &dave).await.unwrap();
	// The votes go in together, as workers send them: each commits, and
	// all reveal once the commit phase is over. With them, two bad votes:
	// Dave's worker reveals the wrong length, and Ferdie, no member, votes
	// too.
	let (alice_worker, bob_worker, charlie_worker, dave_worker) =
		(worker_key("Alice"), worker_key("Bob"), worker_key("Charlie"), worker_key("Dave"));
	let (a, b, c, wrong_length, not_member) = tokio::join!(
		vote(&chain, &alice_worker, batch, &[1, 2, 3]),
		vote(&chain, &bob_worker, batch, &[1, 2, 4]),
		vote(&chain, &charlie_worker, batch, &[1, 2, 5]),
		vote(&chain, &dave_worker, batch, &[1]),
		vote(&chain, &client, batch, &[1, 2, 3]),
	);
	let err = refused(wrong_length, "a vote of the wrong length is refused");
	assert!(err.contains("WrongLength"), "{err}");
	let err = refused(not_member, "a vote by a non-member is refused");
	assert!(err.contains("NotMember"), "{err}");
	let mut decided: Vec<Decided> = Vec::new();
	for included in [a, b, c] {
		let included = included.unwrap();
		for event in included.events.find::<Decided>() {
			decided.push(event.unwrap());
		}
	}
	assert_eq!(decided.len(), 1, "one reveal (the third) decides all three requests");
	let outcomes: Vec<&Outcome> = decided[0].decisions.0.iter().map(|d| &d.outcome).collect();
	assert!(outcomes.iter().any(|o| matches!(o, Outcome::Certified(_))), "decided: {outcomes:?}");
	assert!(
		outcomes.contains(&&Outcome::NoAgreement),
		"request 3 has three different answers: {outcomes:?}"
	);

	let certificate =
		chain.certificate(None, first_request + 1).await.unwrap().expect("a certificate");
	assert_eq!(
		certificate.outcome,
		Outcome::Certified(Output::Label(2)),
		"certificate: {certificate:?}"
	);
	assert_eq!(certificate.agreed, vec![0, 1, 2], "models 0, 1, 2 agreed");
	assert_eq!(certificate.not_voted, vec![3]);

	// The member record is counted when the batch closes (10 blocks).
	let record = wait_for("the batch to close", Duration::from_secs(60), || async {
		let r = chain.member_record(None, 0, 3).await?;
		Ok((r.batches == 1).then_some(r))
	})
	.await
	.unwrap();
	assert_eq!(record.missed, 3, "Dave's model revealed nothing that counts: {record:?}");

	// At the close, two certified fees are shared by the 3 agreeing owners and
	// the third fee and the rounding remainders go back to the client.
	let (free_after, held_after) = chain.balance(None, &client_account).await.unwrap();
	assert_eq!(held_after, 0);
	let share = PRICE / 3;
	let tx_fees = free_before - free_after - 2 * 3 * share;
	assert!(
		tx_fees > 0 && tx_fees < PRICE,
		"besides two fees of 3 x {share}, only transaction fees: {tx_fees}"
	);
	let (bob_free_after, _) = chain.balance(None, &bob).await.unwrap();
	assert_eq!(bob_free_after - bob_free_before, 2 * share, "Bob's model agreed twice");
	let (dave_free_after, _) = chain.balance(None, &dave).await.unwrap();
	assert_eq!(dave_free_after, dave_free_before, "Dave's model never voted");
	check_ledger(&chain, start).await.unwrap();
}

#[tokio::test]
async fn bad_input_at_every_door_gets_a_clear_error_and_moves_no_money() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	let rpc = node.rpc().await.unwrap();
	let chain = node.chain().await.unwrap();
	let start = ledger_now(&chain).await.unwrap();
	let ferdie = dev_key("Ferdie");
	let ferdie_account = account(&ferdie);
	let (_, held_before) = chain.balance(None, &ferdie_account).await.unwrap();
	let refusal = |r: anyhow::Result<Included>| refused(r, "refused");
	let (chain_ref, ferdie_ref) = (&chain, &ferdie);
	let request = move |group: GroupId, fee: u128| async move {
		let call = runtime::tx().inference().request(group, [1u8; 32], fee);
		chain_ref.submit_finalized(ferdie_ref, &call).await
	};
	let err = refusal(request(9, PRICE).await);
	assert!(err.contains("UnknownGroup"), "{err}");
	let err = refusal(request(0, PRICE - 1).await);
	assert!(err.contains("FeeBelowPrice"), "{err}");
	let batch = move |n: usize| async move {
		let hashes: Vec<Digest> = (0..n).map(|i| [(i % 251) as u8; 32]).collect();
		let call = runtime::tx().inference().request_batch(0, hashes, PRICE);
		chain_ref.submit_finalized(ferdie_ref, &call).await
	};
	let err = refusal(batch(1025).await);
	assert!(err.contains("TooManyRequests"), "{err}");
	let err = refusal(batch(0).await);
	assert!(err.contains("NoInputs"), "{err}");
	// A member's worker voting on a batch that does not exist.
	let err = refusal(vote(&chain, &worker_key("Alice"), 77, &[1]).await);
	assert!(err.contains("UnknownBatch"), "{err}");

	// A malformed extrinsic never reaches the runtime: the pool refuses it
	// with a reason.
	use jsonrpsee::core::client::ClientT;
	for bytes in ["0x0102", "0x", "0xdeadbeefdeadbeefdeadbeef"] {
		let err = rpc
			.request::<String, _>("author_submitExtrinsic", jsonrpsee::rpc_params![bytes])
			.await
			.expect_err("a malformed extrinsic is refused")
			.to_string();
		assert!(err.to_lowercase().contains("decode") || err.contains("nvalid"), "{bytes}: {err}");
	}
	// A mangled RPC parameter is a JSON-RPC error with a message.
	let err = rpc
		.request::<serde_json::Value, _>("inference_pendingBatches", jsonrpsee::rpc_params!["zero"])
		.await
		.expect_err("not a group id")
		.to_string();
	assert!(err.contains("Invalid params"), "{err}");

	// Nothing is held for Ferdie, and the ledger only lost transaction fees.
	let (_, held_after) = chain.balance(None, &ferdie_account).await.unwrap();
	assert_eq!(held_after, held_before);
	check_ledger(&chain, start).await.unwrap();
}
