//! The client side on a real dev node: every `inference_*` RPC method with its
//! error cases, a certificate proof and a group's state proof that verify
//! offline, tampered proofs that fail with the right message, the `dropbear`
//! CLI's commands as a user runs them, and an order whose requests a reorg
//! moved to other ids, followed to its own certificates. The demo members'
//! worker keys vote directly here; the CLI's `infer` against real workers is
//! in `worker.rs`.

use dropbear_api::primitives::rpc::MAX_PROOF_KEYS;
use dropbear_api::{account, AccountId, Balance, Chain, InferenceApiClient};
use dropbear_client::{
	receipt::GroupAt, verify, BatchId, CertificateQuery, Client, Keypair, Outcome, Output,
};
use dropbear_e2e::{dev_key, node_binary, worker_key, Node, NodeSpec};
use jsonrpsee::{core::client::ClientT, rpc_params};
use std::{process::Command, time::Duration};

const PRICE: u128 = 10_000_000_000;

/// A member's worker votes version 1's labels on a batch (commit, then
/// reveal), waiting for finality.
async fn vote(chain: &Chain, who: &Keypair, batch: BatchId, outputs: &[u32]) {
	let outputs = outputs.iter().map(|l| Output::Label(*l)).collect();
	dropbear_e2e::chain::vote(chain, who, batch, 1, outputs).await.unwrap();
}

fn dropbear(node: &Node, args: &[&str]) -> (bool, String, String) {
	let out = Command::new(node_binary().with_file_name("dropbear"))
		.args(args)
		.env("DROPBEAR_URL", node.ws_url())
		.output()
		.expect("running dropbear");
	(
		out.status.success(),
		String::from_utf8_lossy(&out.stdout).into_owned(),
		String::from_utf8_lossy(&out.stderr).into_owned(),
	)
}

fn rpc_error(e: impl std::fmt::Display) -> String {
	e.to_string()
}

#[tokio::test]
async fn certificates_over_rpc_with_proofs_that_verify_offline_and_the_cli() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	let raw = node.rpc().await.unwrap();
	let client = Client::connect(&node.ws_url()).await.unwrap();

	// An explorer subscribes to group 0's certificates (from best blocks)
	// before anything happens.
	let mut subscription = client.subscribe_certificates(Some(0), false).await.unwrap();

	// Ferdie orders three inputs through the client library.
	let ferdie = dev_key("Ferdie");
	let ordered = client.order(&ferdie, 0, &[[1; 32], [2; 32], [3; 32]], PRICE).await.unwrap();
	let ids = ordered.ids();
	assert_eq!(ids.len(), 3);
	let pending = client.certificate(ids[0]).await.unwrap().unwrap();
	assert_eq!(pending.outcome, Outcome::Pending);
	let batch = pending.batch;
	let batches =
		InferenceApiClient::<AccountId, Balance>::pending_batches(client.inference(), 0, None)
			.await
			.unwrap();
	assert!(batches.contains(&batch), "{batches:?}");

	// Three members agree on the first two inputs and split on the third.
	let (alice_worker, bob_worker, charlie_worker) =
		(worker_key("Alice"), worker_key("Bob"), worker_key("Charlie"));
	tokio::join!(
		vote(&client.chain, &alice_worker, batch, &[1, 2, 3]),
		vote(&client.chain, &bob_worker, batch, &[1, 2, 4]),
		vote(&client.chain, &charlie_worker, batch, &[1, 2, 5]),
	);
	let first = client.wait_certificate(ids[0], Duration::from_secs(30)).await.unwrap();
	assert_eq!(first.outcome, Outcome::Certified(Output::Label(1)));
	assert_eq!(first.agreed, vec![0, 1, 2]);
	assert_eq!(first.not_voted, vec![3]);
	let third = client.wait_certificate(ids[2], Duration::from_secs(30)).await.unwrap();
	assert_eq!(third.outcome, Outcome::NoAgreement);

	// The subscription delivered the three decisions.
	let mut streamed = Vec::new();
	while streamed.len() < 3 {
		let next = tokio::time::timeout(Duration::from_secs(30), subscription.next()).await;
		let cert = next.expect("a certificate within 30 s").unwrap().unwrap();
		streamed.push(cert.request);
	}
	streamed.sort();
	assert_eq!(streamed, ids);

	// Unknown ids are null; a malformed parameter is an error with a message.
	assert!(client.certificate(1_000_000).await.unwrap().is_none());
	let err = raw.request::<serde_json::Value, _>("inference_certificate", rpc_params!["x"]).await;
	assert!(rpc_error(err.unwrap_err()).contains("Invalid params"));

	// Paged history by block range, group and owner.
	let block = first.ordered_at;
	let query = |f: &dyn Fn(&mut CertificateQuery)| {
		let mut q = CertificateQuery {
			from_block: Some(block),
			to_block: Some(block),
			..dropbear_client::query_all()
		};
		f(&mut q);
		q
	};
	let all = client.certificates(&query(&|_| {})).await.unwrap();
	assert_eq!(all.certificates.iter().map(|c| c.request).collect::<Vec<_>>(), ids);
	assert_eq!(all.next, None);
	let page = client.certificates(&query(&|q| q.limit = Some(2))).await.unwrap();
	assert_eq!(page.certificates.len(), 2);
	let rest = client
		.certificates(&query(&|q| {
			q.limit = Some(2);
			q.cursor = page.next;
		}))
		.await
		.unwrap();
	assert_eq!(rest.certificates.iter().map(|c| c.request).collect::<Vec<_>>(), vec![ids[2]]);
	let alice = account(&dev_key("Alice"));
	let by_owner = client.certificates(&query(&|q| q.owner = Some(alice))).await.unwrap();
	assert_eq!(by_owner.certificates.len(), 3);
	let ferdie_id = account(&ferdie);
	assert!(client
		.certificates(&query(&|q| q.owner = Some(ferdie_id)))
		.await
		.unwrap()
		.certificates
		.is_empty());
	assert!(client
		.certificates(&query(&|q| q.group = Some(7)))
		.await
		.unwrap()
		.certificates
		.is_empty());
	let earlier = client
		.certificates(&CertificateQuery {
			to_block: Some(block - 1),
			..dropbear_client::query_all()
		})
		.await
		.unwrap();
	assert!(earlier.certificates.is_empty());
	for (bad, expect) in [
		(query(&|q| q.limit = Some(0)), "limit must be"),
		(query(&|q| q.limit = Some(100_000)), "limit must be"),
		(query(&|q| q.from_block = Some(block + 1)), "is after toBlock"),
		(
			CertificateQuery {
				from_block: Some(0),
				to_block: Some(1_000_000),
				..dropbear_client::query_all()
			},
			"at most",
		),
	] {
		let err = client.certificates(&bad).await.unwrap_err().to_string();
		assert!(err.contains(expect), "{err}");
	}

	// A member's record: it decodes, `agreed` and every other field there.
	let record = client.member_record(0, 0).await.unwrap();
	let _agreed: u64 = record.agreed;

	// A proof of the first certificate verifies against a checkpoint taken now.
	let checkpoint = client.checkpoint().await.unwrap();
	assert_eq!(checkpoint.set_id, 0);
	let proof = client.wait_proof(ids[0], 0, Duration::from_secs(60)).await.unwrap();
	let verified = verify::verify(&proof, &checkpoint).unwrap();
	assert_eq!(verified.certificate, first);
	assert!(verified.block_number >= first.decided_at.unwrap());

	// Tampered certificate: the outcome no longer matches the proven storage.
	let mut tampered = proof.clone();
	tampered.certificate.outcome = Outcome::Certified(Output::Label(7));
	let err = verify::verify(&tampered, &checkpoint).unwrap_err();
	assert!(matches!(err, verify::VerifyError::CertificateMismatch(_)), "{err}");
	assert!(err.to_string().contains("outcome"), "{err}");
	// Tampered storage proof: a trie node changed.
	let mut tampered = proof.clone();
	let node_bytes = &mut tampered.state_proof.last_mut().unwrap().0;
	let last = node_bytes.len() - 1;
	node_bytes[last] ^= 0x55;
	let err = verify::verify(&tampered, &checkpoint).unwrap_err();
	assert!(matches!(err, verify::VerifyError::StorageProof(_)), "{err}");
	// Reported check by check (as the explorer shows it): the first three
	// pass, the storage proof fails with the reason, the last is not reached.
	let report = verify::report(&tampered, &checkpoint);
	let results: Vec<Option<bool>> = report.iter().map(|c| c.passed).collect();
	assert_eq!(results, vec![Some(true), Some(true), Some(true), Some(false), None]);
	assert_eq!(report[3].detail, err.to_string());
	assert!(verify::report(&proof, &checkpoint).iter().all(|c| c.passed == Some(true)));
	// A justification checked against the wrong authority set.
	let mut wrong_set = checkpoint.clone();
	wrong_set.authorities = vec![(sp_core::H256(sp_keyring::Ed25519Keyring::Bob.public().0), 1)];
	let err = verify::verify(&proof, &wrong_set).unwrap_err();
	assert!(matches!(err, verify::VerifyError::Justification(_)), "{err}");
	assert!(err.to_string().contains("not in set"), "{err}");
	// Another chain's checkpoint.
	let mut other_chain = checkpoint.clone();
	other_chain.genesis_hash = sp_core::H256::repeat_byte(9);
	assert!(matches!(
		verify::verify(&proof, &other_chain),
		Err(verify::VerifyError::WrongChain { .. })
	));

	// Proofs of what is not final are refused with a reason.
	let undecided = client.request(&ferdie, 0, [4; 32], PRICE).await.unwrap();
	let err = client.proof(undecided, 0).await.unwrap_err().to_string();
	assert!(err.contains("not decided") || err.contains("not in the state"), "{err}");
	let err = client.proof(1_000_000, 0).await.unwrap_err().to_string();
	assert!(err.contains("not in the state"), "{err}");
	let err = client.proof(ids[0], 5).await.unwrap_err().to_string();
	assert!(err.contains("since_set"), "{err}");

	// State proofs (what a quorum receipt's group is proven by): the group
	// read out of one equals the group the node reads at that block, and it
	// verifies against the checkpoint; a group that does not exist is proven
	// absent; the keys asked for are bounded.
	let (group, proof) = GroupAt::proven(&client, 0, 0).await.unwrap();
	assert_eq!(group, GroupAt::read(&client, 0, Some(group.block_hash)).await.unwrap());
	assert_eq!(group.members.len(), 4);
	let state = verify::verify_state(&proof, &checkpoint).unwrap();
	assert_eq!(GroupAt::from_state(0, checkpoint.genesis_hash.0, &state), Ok(group));
	let err = GroupAt::proven(&client, 99, 0).await.unwrap_err();
	assert!(format!("{err:#}").contains("group 99 does not exist"), "{err:#}");
	for count in [0, MAX_PROOF_KEYS + 1] {
		let err = client.state_proof(&vec![vec![0u8; 32]; count], 0).await.unwrap_err();
		assert!(err.to_string().contains("covers 1 to 64 keys"), "{err}");
	}

	// The CLI: lists, checkpoint, proof, verify (good and tampered), audit.
	let (ok, out, err) = dropbear(&node, &["groups", "--format", "json"]);
	assert!(ok, "{err}");
	let groups: serde_json::Value = serde_json::from_str(&out).unwrap();
	assert_eq!(groups[0]["group"], "0");
	assert_eq!(groups[0]["member models"], "0 1 2 3");
	let (ok, out, err) = dropbear(&node, &["models"]);
	assert!(ok && out.contains("digits-"), "{out}{err}");

	let checkpoint_file = dir.path().join("checkpoint.json");
	let proof_file = dir.path().join("proof.json");
	let (ok, _, err) = dropbear(&node, &["checkpoint", "--out", checkpoint_file.to_str().unwrap()]);
	assert!(ok, "{err}");
	let (ok, _, err) =
		dropbear(&node, &["proof", &ids[1].to_string(), "--out", proof_file.to_str().unwrap()]);
	assert!(ok, "{err}");
	let verify_cli = |file: &std::path::Path| {
		dropbear(
			&node,
			&["verify", file.to_str().unwrap(), "--checkpoint", checkpoint_file.to_str().unwrap()],
		)
	};
	let (ok, out, err) = verify_cli(&proof_file);
	assert!(ok, "{out}{err}");
	assert!(out.contains(&format!("verified: request {} certified label 2", ids[1])), "{out}");
	let text = std::fs::read_to_string(&proof_file).unwrap();
	let tampered_file = dir.path().join("tampered.json");
	std::fs::write(&tampered_file, text.replace("\"Label\": 2", "\"Label\": 3")).unwrap();
	let (ok, _, err) = verify_cli(&tampered_file);
	assert!(!ok);
	assert!(
		err.contains(
			"verification failed: the certificate differs from the proven storage in: outcome"
		),
		"{err}"
	);

	let (ok, out, err) =
		dropbear(&node, &["audit", "--from", "0", "--to", &block.to_string(), "--format", "csv"]);
	assert!(ok, "{err}");
	assert!(out.contains(&format!("{},0,{block},", ids[0])), "{out}");
	// Members 0..=2 agreed on 2 of 3 decided requests; member 3 never voted.
	assert!(out.contains("0,0,3,2,1,0,0.667"), "{out}");
	assert!(out.contains("0,3,3,0,0,3,0.000"), "{out}");
	let (ok, _, err) = dropbear(&node, &["audit", "--from", "5", "--to", "1"]);
	assert!(!ok && err.contains("is after"), "{err}");

	// Owner commands: Alice bonds more, registers and updates a model from a
	// weights file, authorizes its worker, and may not put it in a group she
	// is already in.
	let weights = dir.path().join("weights.pt");
	std::fs::write(&weights, b"weights that stay with their owner").unwrap();
	let (ok, out, err) = dropbear(&node, &["owner", "bond", "1000000000000", "--key", "//Alice"]);
	assert!(ok, "{out}{err}");
	let (ok, out, err) = dropbear(
		&node,
		&[
			"owner",
			"register-model",
			"--name",
			"digits-extra",
			"--classes",
			"10",
			"--shape",
			"1,8,8",
			"--file",
			weights.to_str().unwrap(),
		],
	);
	assert!(ok, "{out}{err}");
	let digest = hex::encode(dropbear_client::input_hash(b"weights that stay with their owner"));
	assert!(
		out.contains(&format!("weights digest 0x{digest}")) && out.contains("ModelRegistered"),
		"{out}"
	);
	let (ok, out, err) = dropbear(
		&node,
		&["owner", "publish-version", "--model", "4", "--file", weights.to_str().unwrap()],
	);
	assert!(ok && out.contains("VersionPublished"), "{out}{err}");
	let eve_worker = account(&dev_key("Eve")).to_string();
	let (ok, out, err) =
		dropbear(&node, &["owner", "authorize-worker", "--model", "4", "--worker", &eve_worker]);
	assert!(ok && out.contains("WorkerAuthorized"), "{out}{err}");
	// Alice already has a member in group 0: members belong to different owners.
	let (ok, out, err) = dropbear(&node, &["owner", "join-group", "--group", "0", "--model", "4"]);
	assert!(!ok && err.contains("OwnerAlreadyMember"), "{out}{err}");
	let (ok, out, err) = dropbear(&node, &["owner", "join-group", "--group", "9", "--model", "4"]);
	assert!(!ok && err.contains("UnknownGroup"), "{out}{err}");
	let (ok, _, err) =
		dropbear(&node, &["owner", "authorize-worker", "--model", "4", "--worker", "nonsense"]);
	assert!(!ok && err.contains("not an SS58 address"), "{err}");

	// Members' records once the batch has closed: Alice's model gave the
	// certified answer twice and voted on the request without agreement;
	// Dave's revealed nothing.
	dropbear_e2e::wait_for("the batch to close", Duration::from_secs(60), || async {
		Ok((client.member_record(0, 3).await?.batches == 1).then_some(()))
	})
	.await
	.unwrap();
	let (ok, out, err) = dropbear(&node, &["member", "0", "0", "--format", "csv"]);
	assert!(ok, "{err}");
	assert!(out.starts_with("group,model,batches,agreed,dissented,missed,unavailable"), "{out}");
	assert!(out.contains("\n0,0,1,2,0,0,0,1,0"), "{out}");
	let (ok, out, err) = dropbear(&node, &["member", "0", "3", "--format", "csv"]);
	assert!(ok && out.contains("\n0,3,1,0,0,3,0,0,0"), "{out}{err}");

	// A reorg can order Ferdie's extrinsic again in another block, where its
	// requests get other ids, and other requests the ids it had. Waiting on
	// the order follows it and never answers with another request's
	// certificate: here Ferdie's second id is Eve's request, and his third
	// names no request at all, as a reorg would leave them.
	let eve = client.order(&dev_key("Eve"), 0, &[[9; 32]], PRICE).await.unwrap();
	let mut moved = ordered.clone();
	moved.requests[1].0 = eve.ids()[0];
	moved.requests[2].0 = 1_000_000;
	let second = client.wait_ordered(&mut moved, 1, Duration::from_secs(30)).await.unwrap();
	assert_eq!((second.request, second.input_hash), (ids[1], [2; 32]), "{second:?}");
	assert_eq!(second.outcome, Outcome::Certified(Output::Label(2)));
	assert_eq!(moved.ids(), ids, "the order's requests found again by its extrinsic");
	moved.requests[2].0 = 1_000_000;
	let third = client.wait_ordered(&mut moved, 2, Duration::from_secs(30)).await.unwrap();
	assert_eq!((third.request, third.outcome), (ids[2], Outcome::NoAgreement));
}
