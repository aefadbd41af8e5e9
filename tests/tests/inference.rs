//! The inference market on a real dev chain: a client orders a batch of
//! requests, the demo members' worker keys vote, the chain certifies by
//! quorum, pays the agreeing owners and refunds the rest, and the runtime API
//! serves the certificates.

use dropbear_e2e::{chain, wait_for, Node, NodeSpec};
use std::time::Duration;
use subxt::dynamic::{At, Value};
use subxt_signer::{sr25519::dev, sr25519::Keypair};

const PRICE: u128 = 10_000_000_000; // 10 milli-units: the demo group's price

fn worker(name: &str) -> Keypair {
	dropbear_client::keys::signer(&format!("//{name}-worker")).unwrap()
}

fn labels(values: &[u32]) -> Value {
	Value::unnamed_composite(
		values.iter().map(|l| Value::unnamed_variant("Label", [Value::u128(u128::from(*l))])),
	)
}

fn number(v: &Value, field: &str) -> u128 {
	v.at(field).and_then(|f| f.as_u128()).unwrap_or_else(|| panic!("no number {field} in {v}"))
}

async fn vote(
	api: &chain::Api,
	who: &Keypair,
	batch: u128,
	outputs: &[u32],
) -> anyhow::Result<chain::Events> {
	let args = vec![Value::u128(batch), Value::u128(1), labels(outputs)];
	chain::submit(api, who, "Inference", "vote", args).await
}

#[tokio::test]
async fn votes_of_a_quorum_certify_pay_the_agreeing_owners_and_refund_the_rest() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	node.rpc().await.unwrap();
	let api = chain::connect(&node.ws_url()).await.unwrap();
	let start = chain::ledger_now(&api).await.unwrap();

	// Ferdie, who owns nothing, orders three inputs in one call.
	let client = dev::ferdie();
	let (free_before, _) = chain::balance(&api, client.public_key().0).await.unwrap();
	let hashes: Vec<Value> = (1u8..=3).map(|i| Value::from_bytes([i; 32])).collect();
	let events = chain::submit(
		&api,
		&client,
		"Inference",
		"request_batch",
		vec![Value::u128(0), Value::unnamed_composite(hashes), Value::u128(PRICE)],
	)
	.await
	.unwrap();
	let requested: Vec<&Value> = events
		.iter()
		.filter(|(p, e, _)| p == "Inference" && e == "Requested")
		.map(|e| &e.2)
		.collect();
	assert_eq!(requested.len(), 3);
	let batch = number(requested[0], "batch");
	let first_request = number(requested[0], "request");
	let (_, held) = chain::balance(&api, client.public_key().0).await.unwrap();
	assert_eq!(held, 3 * PRICE, "three fees held until the batch closes");

	// Pending batches of group 0 list it.
	let pending =
		chain::runtime_call(&api, "InferenceApi", "pending_batches", vec![Value::u128(0)])
			.await
			.unwrap();
	assert!(pending.to_string().contains(&batch.to_string()), "pending: {pending}");

	// Alice's worker answers 1, 2, 3; Bob's and Charlie's agree on the first two
	// and differ on the third; Dave's worker is silent.
	let (bob_free_before, _) = chain::balance(&api, dev::bob().public_key().0).await.unwrap();
	let (dave_free_before, _) = chain::balance(&api, dev::dave().public_key().0).await.unwrap();
	// The votes go in together, as workers send them: one waiting for
	// finality after another would miss the batch's ten-block deadline. With
	// them, two bad votes: Dave's worker sends the wrong length, and Ferdie,
	// no member, votes too.
	let (alice, bob, charlie, dave) =
		(worker("Alice"), worker("Bob"), worker("Charlie"), worker("Dave"));
	let (a, b, c, wrong_length, not_member) = tokio::join!(
		vote(&api, &alice, batch, &[1, 2, 3]),
		vote(&api, &bob, batch, &[1, 2, 4]),
		vote(&api, &charlie, batch, &[1, 2, 5]),
		vote(&api, &dave, batch, &[1]),
		vote(&api, &client, batch, &[1, 2, 3]),
	);
	let refused = wrong_length.expect_err("a vote of the wrong length is refused");
	assert!(format!("{refused:#}").contains("WrongLength"), "{refused:#}");
	let refused = not_member.expect_err("a vote by a non-member is refused");
	assert!(format!("{refused:#}").contains("NotMember"), "{refused:#}");
	let events: Vec<_> = [a, b, c].into_iter().flat_map(|r| r.unwrap()).collect();
	let decided: Vec<&Value> = events
		.iter()
		.filter(|(p, e, _)| p == "Inference" && e == "Decided")
		.map(|e| &e.2)
		.collect();
	assert_eq!(decided.len(), 1, "one vote (the third) decides all three requests");
	let text = decided[0].to_string();
	assert!(text.contains("Certified"), "decided: {text}");
	assert!(text.contains("NoAgreement"), "request 3 has three different answers: {text}");

	let certificate = chain::runtime_call(
		&api,
		"InferenceApi",
		"certificate",
		vec![Value::u128(first_request + 1)],
	)
	.await
	.unwrap();
	let cert = certificate.to_string();
	assert!(cert.contains("Certified") && cert.contains("Label (2)"), "certificate: {cert}");
	let agreed = certificate.at(0).and_then(|c| c.at("agreed")).expect("a certificate");
	assert_eq!(agreed.to_string(), "(0, 1, 2)", "models 0, 1, 2 agreed");
	let not_voted = certificate.at(0).and_then(|c| c.at("not_voted")).unwrap();
	assert_eq!(not_voted.to_string(), "(3)");

	// The member record is counted when the batch closes (10 blocks).
	let record = wait_for("the batch to close", Duration::from_secs(60), || async {
		let r = chain::runtime_call(
			&api,
			"InferenceApi",
			"member_record",
			vec![Value::u128(0), Value::u128(3)],
		)
		.await?;
		Ok((number(&r, "batches") == 1).then_some(r))
	})
	.await
	.unwrap();
	assert_eq!(number(&record, "missed"), 3, "Dave's model missed all three: {record}");

	// At the close, two certified fees are shared by the 3 agreeing owners and
	// the third fee and the rounding remainders go back to the client.
	let (free_after, held_after) = chain::balance(&api, client.public_key().0).await.unwrap();
	assert_eq!(held_after, 0);
	let share = PRICE / 3;
	let tx_fees = free_before - free_after - 2 * 3 * share;
	assert!(
		tx_fees > 0 && tx_fees < PRICE,
		"besides two fees of 3 x {share}, only transaction fees: {tx_fees}"
	);
	let (bob_free_after, _) = chain::balance(&api, dev::bob().public_key().0).await.unwrap();
	assert_eq!(bob_free_after - bob_free_before, 2 * share, "Bob's model agreed twice");
	let (dave_free_after, _) = chain::balance(&api, dev::dave().public_key().0).await.unwrap();
	assert_eq!(dave_free_after, dave_free_before, "Dave's model never voted");
	chain::check_ledger(&api, start).await.unwrap();
}

#[tokio::test]
async fn bad_input_at_every_door_gets_a_clear_error_and_moves_no_money() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	let rpc = node.rpc().await.unwrap();
	let api = chain::connect(&node.ws_url()).await.unwrap();
	let start = chain::ledger_now(&api).await.unwrap();
	let ferdie = dev::ferdie();
	let (_, held_before) = chain::balance(&api, ferdie.public_key().0).await.unwrap();
	let refusal = |r: anyhow::Result<chain::Events>| format!("{:#}", r.expect_err("refused"));
	let request = |group: u128, fee: u128| {
		let args = vec![Value::u128(group), Value::from_bytes([1u8; 32]), Value::u128(fee)];
		chain::submit(&api, &ferdie, "Inference", "request", args)
	};
	let err = refusal(request(9, PRICE).await);
	assert!(err.contains("UnknownGroup"), "{err}");
	let err = refusal(request(0, PRICE - 1).await);
	assert!(err.contains("FeeBelowPrice"), "{err}");
	let batch = |n: usize| {
		let hashes =
			Value::unnamed_composite((0..n).map(|i| Value::from_bytes([(i % 251) as u8; 32])));
		let args = vec![Value::u128(0), hashes, Value::u128(PRICE)];
		chain::submit(&api, &ferdie, "Inference", "request_batch", args)
	};
	let err = refusal(batch(1025).await);
	assert!(err.contains("TooManyRequests"), "{err}");
	let err = refusal(batch(0).await);
	assert!(err.contains("NoInputs"), "{err}");
	// A member's worker voting on a batch that does not exist.
	let err = refusal(vote(&api, &worker("Alice"), 77, &[1]).await);
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
	let (_, held_after) = chain::balance(&api, ferdie.public_key().0).await.unwrap();
	assert_eq!(held_after, held_before);
	chain::check_ledger(&api, start).await.unwrap();
}
