//! Real workers against a real node: the TorchScript digit models, input
//! gossip between four worker processes, votes on chain and certificates.

use dropbear_api::subxt::ext::codec::Decode;
use dropbear_api::{
	account,
	answer::{Answer, SignedAnswer},
	chain::requested_ids,
	records,
	runtime::{
		self,
		models::events::{PendingVersionReplaced, VersionPublished},
	},
	worker_rpc::{InputBytes, WorkerApiClient},
	Chain, Digest, Static, WeightsFormat,
};
use dropbear_client::{
	lies::Lie,
	receipt::{Fanout, GroupAt, ProvenReceipt, ProvenReceiptError, QuorumReceipt, ReceiptError},
	verify::VerifyError,
	Checkpoint, Client, Outcome, Output,
};
use dropbear_e2e::{
	chain::{check_ledger, check_ledger_moves, ledger_now},
	dev_key, dev_node_key,
	eth::{run_hardhat, run_python, run_script, EthRpc},
	node_binary, wait_finalized, wait_for,
	workers::{
		all_ready, closed, decided, decided_best, manifest, member_voted, models_dir, order_digits,
		spec_with_real_digests, Worker, FILES, NAMES, PRICE,
	},
	Node, NodeSpec,
};
use std::{path::Path, process::Command, time::Duration};

#[tokio::test]
async fn a_worker_refuses_a_model_file_whose_digest_is_not_on_chain() {
	let dir = tempfile::tempdir().unwrap();
	// The plain dev chain commits to stand-in digests, not to these files.
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	node.rpc().await.unwrap();
	let mut worker = Worker::start(dir.path(), &node, "Alice", "digits-logreg.pt");
	let deadline = std::time::Instant::now() + Duration::from_secs(60);
	let status = loop {
		if let Some(status) = worker.child.try_wait().unwrap() {
			break status;
		}
		assert!(std::time::Instant::now() < deadline, "the worker kept running: {}", worker.log());
		tokio::time::sleep(Duration::from_millis(200)).await;
	};
	assert!(!status.success());
	assert!(worker.log().contains("refusing to serve"), "{}", worker.log());
}

/// A one-validator chain committing to the real model digests, and the four
/// demo members' workers (`faults[i]` picks the harness for member i).
/// Triton's clients (tritonclient from PyPI, unchanged) send digits to
/// `worker` over the Open Inference Protocol: over HTTP, half in binary and
/// half as JSON, then over gRPC. Each answer is that member's scores, their
/// top label, the input's hash and the answer signed by the model's worker
/// key. The client then orders those hashes on chain; where the group
/// certifies an answer, the member agreed exactly when the certified label is
/// the one it answered (its vote is the same computation).
async fn triton_client_orders_what_a_worker_answered(chain: &Chain, worker: &Worker) {
	let (first_image, n) = (200usize, 4usize);
	let worker_account = account(&dropbear_api::keys::signer("//Bob-worker").unwrap());
	let model = chain.worker_model(None, &worker_account).await.unwrap().expect("Bob's model");
	let name = chain.model(None, model).await.unwrap().expect("registered").name.0;
	let name = String::from_utf8(name).unwrap();
	let images = models_dir().join("digits-test.bin");
	let python = std::env::var("DROPBEAR_PYTHON").unwrap_or_else(|_| "python3".into());
	let out = Command::new(python)
		.arg(dropbear_e2e::repo_root().join("tests/oip/triton_client.py"))
		.args([worker.http_host(), worker.grpc_host(), name.clone()])
		.arg(&images)
		.args([first_image.to_string(), n.to_string()])
		.output()
		.unwrap();
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(out.status.success(), "the Triton client failed: {stderr}");
	let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
	for protocol in ["http", "grpc"] {
		let said = &seen[protocol];
		for answer in ["live", "ready", "model_ready"] {
			assert_eq!(said[answer], true, "{protocol} {answer}: {said}");
		}
		let input = &said["metadata"]["inputs"][0];
		assert_eq!(said["metadata"]["name"], name.as_str(), "{said}");
		assert_eq!(input["datatype"], "FP32", "{said}");
		let shape: Vec<i64> = input["shape"]
			.as_array()
			.unwrap()
			.iter()
			.map(|d| d.as_i64().or_else(|| d.as_str()?.parse().ok()).unwrap())
			.collect();
		assert_eq!(shape, [-1, 1, 8, 8], "{said}");
		// What does not fit is refused with the server's reason.
		let refused = &said["refused"];
		let (invalid, not_found) = match protocol {
			"http" => ("400", "404"),
			_ => ("StatusCode.INVALID_ARGUMENT", "StatusCode.NOT_FOUND"),
		};
		assert_eq!(refused[0]["status"], invalid, "{refused}");
		let reason = refused[0]["message"].as_str().unwrap();
		assert!(reason.contains("input 'input' is FP32"), "{refused}");
		assert!(refused[1]["message"].as_str().unwrap().contains("does not fit"), "{refused}");
		assert_eq!(refused[2]["status"], not_found, "{refused}");
	}
	assert_eq!(seen["http"]["server"]["extensions"][0], "binary_tensor_data", "{seen}");

	// Every answer is for the input sent, hashed here; its label is the top
	// of its scores; it is signed by the model's worker key on chain.
	let bytes = std::fs::read(&images).unwrap();
	let answers = seen["answers"].as_array().unwrap();
	assert_eq!(answers.len(), 2 * n, "{seen}");
	let vias: Vec<&str> = answers.iter().map(|a| a["via"].as_str().unwrap()).collect();
	assert_eq!(
		vias,
		["http-binary", "http-binary", "http-json", "http-json", "grpc", "grpc", "grpc", "grpc"]
	);
	let mut hashes: Vec<Digest> = Vec::new();
	let mut labels = Vec::new();
	for (i, answer) in answers.iter().enumerate() {
		let image = &bytes[(first_image + i) * 256..(first_image + i + 1) * 256];
		let hash = dropbear_api::input_hash(image);
		assert_eq!(answer["hash"], format!("0x{}", hex::encode(hash)), "{answer}");
		let scores: Vec<f32> = answer["scores"]
			.as_array()
			.unwrap()
			.iter()
			.map(|s| s.as_f64().unwrap() as f32)
			.collect();
		assert_eq!(scores.len(), 10, "{answer}");
		let top = dropbear_api::AgreementPolicy::Top1.output_of_scores(&scores);
		let label = answer["label"].as_u64().unwrap() as u32;
		assert_eq!(top, Some(Output::Label(label)), "{answer}");
		let hex_field = |name: &str| hex::decode(&answer[name].as_str().unwrap()[2..]).unwrap();
		let signed = SignedAnswer {
			answer: Decode::decode(&mut &hex_field("answer")[..]).unwrap(),
			worker: <[u8; 32]>::try_from(hex_field("worker")).unwrap().into(),
			signature: hex_field("signature").try_into().unwrap(),
		};
		assert!(signed.verify(), "{answer}");
		assert_eq!(signed.worker, worker_account, "{answer}");
		assert_eq!(
			signed.answer,
			Answer {
				genesis_hash: chain.genesis_hash(),
				group: 0,
				input_hash: hash,
				model,
				version: 1,
				output: Output::Label(label)
			}
		);
		hashes.push(hash);
		labels.push(label);
	}

	let call = runtime::tx().inference().request_batch(0, hashes.clone(), PRICE);
	let included = chain.submit_finalized(&dev_key("Ferdie"), &call).await.unwrap();
	let first = requested_ids(&included).unwrap()[0];
	let certs = decided(chain, first, hashes.len()).await;
	let client = Client::connect(&chain.url()).await.unwrap();
	let mut certified = 0;
	for ((cert, label), hash) in certs.iter().zip(&labels).zip(&hashes) {
		assert_eq!(&cert.input_hash, hash);
		// The member's vote is the answer it signed (its reveal may land
		// after the decision: a certificate needs three of four).
		let vote = wait_for("the member's reveal", Duration::from_secs(60), || async {
			let batch = client.batch(cert.batch).await?.expect("the certificate's batch");
			let position = batch.members.iter().position(|m| m.model == model).expect("a member");
			Ok(batch.votes[position].as_ref().map(|outputs| outputs[cert.index as usize].clone()))
		})
		.await
		.unwrap();
		assert_eq!(vote, Output::Label(*label), "{cert:?}");
		if let Outcome::Certified(Output::Label(l)) = &cert.outcome {
			certified += 1;
			if cert.agreed.contains(&model) || cert.dissented.contains(&model) {
				assert_eq!(cert.agreed.contains(&model), l == label, "answered {label}: {cert:?}");
			}
		}
	}
	assert!(certified >= hashes.len() - 2, "{certified} of {} certified", hashes.len());
}

/// A gateway's path (the demo's): [`Fanout::deliver`] hands an input to
/// every member at once and asks for no signed answers. Every member takes
/// it (each answers only once it has taken and run it) under the hash the
/// client orders, and the group certifies the digit. An input of the wrong
/// size is refused by every member, with the worker's reason.
async fn a_delivered_input_reaches_every_member_and_is_certified(node: &Node, workers: &[Worker]) {
	let client = Client::connect(&node.ws_url()).await.unwrap();
	let images = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let truth = std::fs::read(models_dir().join("digits-test-labels.bin")).unwrap();
	let urls: Vec<String> = workers.iter().map(|w| format!("http://{}", w.http_host())).collect();
	let fanout = Fanout::connect(&client, 0, &urls).await.unwrap();
	// Digit 330, sent by no other step (so no member holds it already),
	// which all four models classify right.
	let digit = &images[330 * 256..331 * 256];
	let delivered = fanout.deliver(digit, Duration::from_secs(30)).await;
	assert_eq!(delivered.input_hash, dropbear_api::input_hash(digit));
	assert_eq!(delivered.by_worker.len(), 4);
	for (url, taken) in &delivered.by_worker {
		assert!(taken.is_ok(), "{url} did not take the input: {taken:?}");
	}
	let request = client.request(&dev_key("Ferdie"), 0, delivered.input_hash, PRICE).await.unwrap();
	let certificate = client.wait_certificate(request, Duration::from_secs(60)).await.unwrap();
	assert_eq!(certificate.outcome, Outcome::Certified(Output::Label(u32::from(truth[330]))));
	assert!(certificate.agreed.len() >= 3, "{certificate:?}");

	let refused = fanout.deliver(&digit[..17], Duration::from_secs(30)).await;
	assert_eq!(refused.by_worker.len(), 4);
	for (url, taken) in &refused.by_worker {
		let err = format!("{:#}", taken.as_ref().expect_err("a 17-byte input was taken"));
		assert!(err.contains("400"), "{url}: {err}");
	}
}

/// `dropbear infer --fast`: each input goes to every member at once over the
/// Open Inference Protocol, and a quorum receipt (three members' signed,
/// equal answers) is printed before the request is ordered; the certificate
/// follows. The receipt holds against the group at its finalized block, and
/// the certificate certifies what it said. Saved with the proof of its group,
/// the receipt is verified offline against a trusted checkpoint, and every
/// tampering with it or with its proof is caught.
async fn fast_inference_holds_a_receipt_before_the_certificate(
	node: &Node,
	workers: &[Worker],
	dir: &Path,
) {
	let images = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let mut files = Vec::new();
	for i in [300usize, 301] {
		let file = dir.join(format!("fast-{i}.bin"));
		std::fs::write(&file, &images[i * 256..(i + 1) * 256]).unwrap();
		files.push(file);
	}
	let http: Vec<String> = workers.iter().map(|w| format!("http://{}", w.http_host())).collect();
	let out = Command::new(node_binary().with_file_name("dropbear"))
		.args(["--node", &node.ws_url(), "--key", "//Ferdie", "infer", "--group", "0", "--fast"])
		.args(["--http", &http.join(","), "--format", "json"])
		.args(["--save", dir.join("fast").to_str().unwrap(), "--input"])
		.args(&files)
		.output()
		.unwrap();
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(out.status.success(), "dropbear infer --fast: {stderr}");
	let printed: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&out.stdout)
		.into_iter()
		.collect::<Result<_, _>>()
		.unwrap();
	// Two receipts, then the certificates.
	assert_eq!(printed.len(), 3, "{printed:?}");
	let client = Client::connect(&node.ws_url()).await.unwrap();
	let certificates = printed[2].as_array().unwrap();
	for (i, printed_receipt) in printed[..2].iter().enumerate() {
		let receipt: QuorumReceipt = serde_json::from_value(printed_receipt.clone()).unwrap();
		let image = &images[(300 + i) * 256..(301 + i) * 256];
		assert_eq!(receipt.input_hash, dropbear_api::input_hash(image));
		assert!(receipt.answers.len() >= 3, "{receipt:?}");
		let group = GroupAt::read(&client, 0, Some(receipt.block_hash)).await.unwrap();
		assert_eq!(receipt.check(&group), Ok(()), "{receipt:?}");
		let certificate: dropbear_client::Certificate =
			serde_json::from_value(certificates[i].clone()).unwrap();
		assert_eq!(certificate.input_hash, receipt.input_hash);
		assert_eq!(
			certificate.outcome,
			Outcome::Certified(receipt.output.clone()),
			"{certificate:?}"
		);
		let saved =
			dir.join("fast").join(format!("receipt-0x{}.json", hex::encode(receipt.input_hash)));
		receipts_hold_offline_and_tampering_shows(node, &saved, &receipt, &group).await;
	}
}

/// A saved receipt (`receipt-0x<hash>.json`) checked as a stranger would:
/// `dropbear verify` against a checkpoint taken from the node, with no node;
/// then each part altered in turn, each caught by the check it breaks.
async fn receipts_hold_offline_and_tampering_shows(
	node: &Node,
	saved: &Path,
	receipt: &QuorumReceipt,
	group: &GroupAt,
) {
	let cli = node_binary().with_file_name("dropbear");
	let checkpoint_file = saved.with_file_name("checkpoint.json");
	let status = Command::new(&cli)
		.args(["--node", &node.ws_url(), "checkpoint", "--out", checkpoint_file.to_str().unwrap()])
		.status()
		.unwrap();
	assert!(status.success());
	let verified = Command::new(&cli)
		.args(["verify", saved.to_str().unwrap(), "--checkpoint"])
		.arg(&checkpoint_file)
		.output()
		.unwrap();
	let said = String::from_utf8_lossy(&verified.stdout);
	assert!(
		verified.status.success() && said.starts_with("verified: receipt"),
		"{said}{}",
		String::from_utf8_lossy(&verified.stderr)
	);
	let proven: ProvenReceipt = serde_json::from_slice(&std::fs::read(saved).unwrap()).unwrap();
	let checkpoint: Checkpoint =
		serde_json::from_slice(&std::fs::read(&checkpoint_file).unwrap()).unwrap();
	assert_eq!(&proven.receipt, receipt);
	// The group the proof shows is the one the node reads at that block.
	assert_eq!(proven.verify(&checkpoint).as_ref(), Ok(group));

	// Another output than the members signed.
	let mut forged = proven.clone();
	let Output::Label(label) = forged.receipt.output else { panic!("{receipt:?}") };
	forged.receipt.output = Output::Label((label + 1) % 10);
	assert!(
		matches!(
			forged.verify(&checkpoint),
			Err(ProvenReceiptError::Receipt(ReceiptError::OtherOutput { .. }))
		),
		"{:?}",
		forged.verify(&checkpoint)
	);
	// Fewer answers than the quorum.
	let mut short = proven.clone();
	short.receipt.answers.truncate(group.quorum as usize - 1);
	assert_eq!(
		short.verify(&checkpoint),
		Err(ProvenReceiptError::Receipt(ReceiptError::TooFew {
			got: group.quorum as usize - 1,
			quorum: group.quorum
		}))
	);
	// A trie node missing from the group's proof.
	let mut cut = proven.clone();
	cut.group_proof.state_proof.pop();
	assert!(
		matches!(
			cut.verify(&checkpoint),
			Err(ProvenReceiptError::Group(VerifyError::StorageProof(_)))
		),
		"{:?}",
		cut.verify(&checkpoint)
	);
	// A group proof whose justification is not of its header.
	let mut unjustified = proven.clone();
	unjustified.group_proof.justification = proven.group_proof.set_changes.first().map_or_else(
		|| dropbear_api::primitives::rpc::Bytes(vec![0; 8]),
		|change| change.justification.clone(),
	);
	assert!(
		matches!(
			unjustified.verify(&checkpoint),
			Err(ProvenReceiptError::Group(VerifyError::Justification(_)))
		),
		"{:?}",
		unjustified.verify(&checkpoint)
	);
	// A checkpoint of another chain.
	let mut elsewhere = checkpoint.clone();
	elsewhere.genesis_hash = Default::default();
	assert!(matches!(
		proven.verify(&elsewhere),
		Err(ProvenReceiptError::Group(VerifyError::WrongChain { .. }))
	));
	// And the command line says which check failed.
	std::fs::write(saved, serde_json::to_vec(&forged).unwrap()).unwrap();
	let refused = Command::new(&cli)
		.args(["verify", saved.to_str().unwrap(), "--checkpoint"])
		.arg(&checkpoint_file)
		.output()
		.unwrap();
	let stderr = String::from_utf8_lossy(&refused.stderr);
	assert!(
		!refused.status.success() && stderr.contains("verification failed: the receipt: model"),
		"{stderr}"
	);
}

/// The example dApp through the Ethereum JSON-RPC, as a dApp developer runs
/// it: pallet-revive's eth-rpc adapter beside the node, and ethers.js
/// (contracts/bounty.mjs) with the Hardhat development accounts. A digit's
/// bytes go to every member over the Open Inference Protocol without an order
/// (`dropbear infer --fast --no-order`), and the quorum receipt says what the
/// group will answer; a DigitBounty for that label is deployed, claimed with
/// the input's hash (the contract orders it through the inference precompile
/// and pays the price), certified by the workers and settled: the claimant is
/// paid the reward. The script also checks what bad calls get back.
async fn a_dapp_settles_a_bounty_on_a_certificate(
	node: &Node,
	workers: &[Worker],
	dir: &Path,
) -> (EthRpc, u64, u32) {
	let images = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let file = dir.join("bounty-input.bin");
	std::fs::write(&file, &images[302 * 256..303 * 256]).unwrap();
	let http: Vec<String> = workers.iter().map(|w| format!("http://{}", w.http_host())).collect();
	let out = Command::new(node_binary().with_file_name("dropbear"))
		.args(["--node", &node.ws_url(), "infer", "--group", "0", "--fast", "--no-order"])
		.args(["--http", &http.join(","), "--format", "json", "--input"])
		.arg(&file)
		.output()
		.unwrap();
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	let receipt: QuorumReceipt = serde_json::from_slice(&out.stdout).unwrap();
	let Output::Label(label) = receipt.output else { panic!("{receipt:?}") };

	let eth = EthRpc::start(node, dir).await.unwrap();
	let args = [
		"--rpc".to_string(),
		eth.url(),
		"--input-hash".into(),
		format!("0x{}", hex::encode(receipt.input_hash)),
		"--target".into(),
		label.to_string(),
	];
	let result = run_script("bounty.mjs", &args)
		.unwrap_or_else(|e| panic!("{e:#}\neth-rpc log:\n{}", eth.log_tail()));
	// The chain as Ethereum tools see it.
	assert_eq!(result["chainId"], 0x6462_6561, "{result}");
	assert_eq!(result["accounts"][0], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "{result}");
	// The certificate the contract read is the one the members made.
	assert_eq!(result["outcome"], "Certified", "{result}");
	assert_eq!(result["labels"], serde_json::json!([label]), "{result}");
	assert_eq!(result["inputHash"], format!("0x{}", hex::encode(receipt.input_hash)));
	assert!(result["agreed"].as_u64().unwrap() >= 3, "{result}");
	assert_eq!(
		result["client"].as_str().unwrap().to_lowercase(),
		result["bounty"].as_str().unwrap().to_lowercase()
	);
	// Settled: the claimant (account 1) won the reward, the contract is empty
	// but for the existential deposit every contract account keeps.
	assert_eq!(result["winner"], result["accounts"][1], "{result}");
	assert_eq!(result["claimantGain"], result["reward"], "{result}");
	let price: u128 = result["price"].as_str().unwrap().parse().unwrap();
	assert_eq!(price, PRICE * 1_000_000, "the group's price in wei");
	// Bad calls get their reasons.
	let refusals = &result["refusals"];
	for (what, reason) in [
		("claimWithoutPrice", "send the group's price"),
		("unknownCertificate", "unknown request"),
		("unknownGroup", "unknown group"),
		("settleTwice", "already settled"),
	] {
		let said = refusals[what].as_str().unwrap_or_default();
		assert!(said.contains(reason), "{what}: {said:?} in {result}");
	}
	assert!(refusals["garbageCallData"].as_str().is_some_and(|s| !s.is_empty()), "{result}");

	// On chain, the request's client is the contract's account.
	let client = Client::connect(&node.ws_url()).await.unwrap();
	let id: u64 = result["requestId"].as_str().unwrap().parse().unwrap();
	let cert = client.certificate(id).await.unwrap().expect("the certificate");
	let bounty = hex::decode(result["bounty"].as_str().unwrap().trim_start_matches("0x")).unwrap();
	let mut account = [0xEE; 32];
	account[..20].copy_from_slice(&bounty);
	assert_eq!(cert.client.0, account, "{cert:?}");
	assert_eq!(cert.outcome, Outcome::Certified(Output::Label(label)));
	// Its batch closes (the members are paid): a contract reads it settled.
	closed(node, &client, std::slice::from_ref(&cert)).await;
	(eth, id, label)
}

/// viem, web3.py and Hardhat, each with its own defaults and development
/// accounts, against the same Ethereum JSON-RPC: each reads the bounty's
/// certificate (decided and settled) through the precompile, deploys a DigitBounty and reads it
/// back, and sends a value transfer that arrives whole; viem and web3.py
/// also surface a refusal's revert reason.
fn ethereum_tools_use_the_chain_unchanged(eth: &EthRpc, request: u64, label: u32) {
	let args = ["--rpc".to_string(), eth.url(), "--request-id".into(), request.to_string()];
	let runs = [
		("viem", run_script("tools/viem-check.mjs", &args), 3),
		("web3.py", run_python("tools/web3_check.py", &args), 4),
		(
			"hardhat",
			run_hardhat(
				"tools/hardhat-check.cjs",
				&eth.url(),
				&[("DROPBEAR_REQUEST_ID", request.to_string())],
			),
			5,
		),
	];
	for (tool, run, target) in runs {
		let result =
			run.unwrap_or_else(|e| panic!("{tool}: {e:#}\neth-rpc log:\n{}", eth.log_tail()));
		assert_eq!(result["tool"], tool, "{result}");
		assert_eq!(result["chainId"], 0x6462_6561, "{result}");
		let cert = &result["certificate"];
		assert_eq!(cert["requestId"], request.to_string(), "{result}");
		assert_eq!(cert["outcome"], 1, "Certified, in IInference.Outcome: {result}");
		assert_eq!(cert["labels"], serde_json::json!([label]), "{result}");
		assert_eq!(cert["settled"], true, "its batch closed before: {result}");
		assert!(cert["agreed"].as_u64().unwrap() >= 3, "{result}");
		let deployed = &result["deployed"];
		assert_eq!(deployed["status"], "success", "{result}");
		assert_eq!(deployed["sponsor"], result["deployer"], "{result}");
		assert_eq!(deployed["target"], target, "{result}");
		assert_eq!(deployed["reward"], "1000000000000000000", "{result}");
		assert_eq!(deployed["balance"], deployed["reward"], "{result}");
		let transfer = &result["transfer"];
		assert_eq!(transfer["status"], "success", "{result}");
		assert_eq!(transfer["received"], transfer["sent"], "{result}");
		if tool != "hardhat" {
			let said = result["unknownRequest"].as_str().unwrap_or_default();
			assert!(said.contains("unknown request"), "{tool}: {said:?}");
		}
	}
}

/// The workers were given no peer list: each announced its libp2p peer on
/// chain with its worker key and connected to the members it found there
/// (`network` waits for three peers each). A peer that is no member is
/// refused after its handshake proves who it is, and learns nothing.
async fn members_find_each_other_on_chain_and_refuse_anyone_else(
	chain: &Chain,
	workers: &[Worker],
) {
	use dropbear_worker::p2p::{self, Member, P2p};
	for (model, w) in workers.iter().enumerate() {
		let announced = chain.worker_peer(None, model as u32).await.unwrap().unwrap();
		let peer = dropbear_worker::libp2p::PeerId::from_bytes(&announced.peer_id.0).unwrap();
		assert!(w.log().contains(&format!("announced peer {peer}")), "{}", w.log());
	}
	let alice = chain.worker_peer(None, 0).await.unwrap().unwrap();
	let alice = Member {
		peer: dropbear_worker::libp2p::PeerId::from_bytes(&alice.peer_id.0).unwrap(),
		addrs: alice.addrs.0.iter().map(|a| a.0.clone().try_into().unwrap()).collect(),
	};
	// An intruder with the members' own network code, dialling Alice's worker
	// at the address the chain gives.
	let (received, _keep) = tokio::sync::mpsc::channel(16);
	let (intruder, _) = P2p::start(
		p2p::node_key(None).unwrap(),
		"/ip4/127.0.0.1/tcp/0".parse().unwrap(),
		0,
		dropbear_worker::inputs::InputStore::new(16),
		received,
	)
	.await
	.unwrap();
	intruder.set_members(vec![alice]).await;
	let refused = format!("peer {} is not in the allow list", intruder.peer_id);
	wait_for("Alice's worker to refuse the intruder", Duration::from_secs(30), || async {
		Ok(workers[0].log().contains(&refused).then_some(()))
	})
	.await
	.unwrap_or_else(|e| panic!("{e}: {}", workers[0].log()));
	// Alice holds the first digit ordered; the intruder cannot fetch it.
	let images = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let held = dropbear_api::input_hash(&images[..256]);
	assert_eq!(intruder.fetch(held).await, None, "an input went to a peer that is no member");
	let alice_rpc =
		jsonrpsee::http_client::HttpClientBuilder::default().build(workers[0].rpc_url()).unwrap();
	assert_eq!(alice_rpc.health().await.unwrap().peers, 3, "Alice keeps her three members");
}

async fn network(dir: &Path, faults: [Option<&str>; 4]) -> (Node, Chain, Vec<Worker>) {
	network_with(dir, faults, None).await
}

/// As [`network`], with a model directory for Alice's worker.
async fn network_with(
	dir: &Path,
	faults: [Option<&str>; 4],
	alice_model_dir: Option<&Path>,
) -> (Node, Chain, Vec<Worker>) {
	let spec = spec_with_real_digests(dir);
	let node_spec = NodeSpec {
		name: "alice".into(),
		chain: spec.to_string_lossy().into_owned(),
		dev_account: Some("alice".into()),
		validator: true,
		node_key: Some(dev_node_key("alice").0),
		bootnodes: vec![],
		extra: vec![],
		island: None,
	};
	let node = Node::start(node_spec, dir).unwrap();
	node.rpc().await.unwrap();
	let chain = node.chain().await.unwrap();
	let mut workers: Vec<Worker> = Vec::new();
	for ((name, file), fault) in NAMES.iter().zip(FILES).zip(faults) {
		let model_dir = if *name == "Alice" { alice_model_dir } else { None };
		// Dave's worker runs two model threads (`--instances`), each with
		// its own copy of the model, fed by one queue.
		let extra: &[&str] =
			if *name == "Dave" && fault.is_none() { &["--instances", "2"] } else { &[] };
		workers.push(Worker::start_on(
			dir,
			&[node.ws_url()],
			name,
			&[file],
			model_dir,
			fault,
			None,
			extra,
		));
	}
	all_ready(&workers).await;
	(node, chain, workers)
}

#[tokio::test]
async fn four_workers_certify_real_digits_with_their_models() {
	let dir = tempfile::tempdir().unwrap();
	let (node, chain, workers) = network(dir.path(), [None; 4]).await;
	let start = ledger_now(&chain).await.unwrap();
	let n = 24;
	let (first, labels) = order_digits(&chain, &workers[0], n).await;
	let certs = decided(&chain, first, n).await;
	let mut certified = 0;
	let mut correct = 0;
	for (cert, label) in certs.iter().zip(&labels) {
		if let Outcome::Certified(answer) = &cert.outcome {
			certified += 1;
			if *answer == Output::Label(u32::from(*label)) {
				correct += 1;
			}
			let agreed = &cert.agreed;
			assert!(agreed.len() >= 3, "at least three members agreed: {agreed:?}");
		}
	}
	// Four models of 96-99% accuracy agree on nearly every digit.
	assert!(certified >= n - 2, "{certified} of {n} certified");
	assert!(correct >= certified - 2, "{correct} of {certified} certified answers are right");
	for w in &workers {
		assert!(w.log().contains("loaded version 1"), "{}", w.log());
	}
	assert!(workers[3].log().contains("with 2 model threads"), "{}", workers[3].log());
	members_find_each_other_on_chain_and_refuse_anyone_else(&chain, &workers).await;

	// A newcomer's path with the CLI: two digit files through two workers,
	// certificates printed as JSON, proofs saved and verified offline.
	let images = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let truth = std::fs::read(models_dir().join("digits-test-labels.bin")).unwrap();
	let mut files = Vec::new();
	for i in [100usize, 101] {
		let file = dir.path().join(format!("digit-{i}.bin"));
		std::fs::write(&file, &images[i * 256..(i + 1) * 256]).unwrap();
		files.push(file);
	}
	let cli = node_binary().with_file_name("dropbear");
	let ws = |w: &Worker| format!("ws://127.0.0.1:{}", w.rpc_port);
	let proofs = dir.path().join("proofs");
	let out = Command::new(&cli)
		.args([
			"--node",
			&node.ws_url(),
			"--key",
			"//Ferdie",
			"infer",
			"--group",
			"0",
			"--format",
			"json",
		])
		.args([
			"--worker",
			&ws(&workers[1]),
			"--worker",
			&ws(&workers[2]),
			"--save",
			proofs.to_str().unwrap(),
		])
		.arg("--input")
		.args(&files)
		.output()
		.unwrap();
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(out.status.success(), "dropbear infer: {stderr}");
	let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
	for (cert, i) in printed.as_array().unwrap().iter().zip([100usize, 101]) {
		assert_eq!(cert["outcome"]["Certified"]["Label"], u64::from(truth[i]), "{cert}");
		let checkpoint = dir.path().join("checkpoint.json");
		let status = Command::new(&cli)
			.args(["--node", &node.ws_url(), "checkpoint", "--out", checkpoint.to_str().unwrap()])
			.status()
			.unwrap();
		assert!(status.success());
		let proof = proofs.join(format!("request-{}.json", cert["request"]));
		let verified = Command::new(&cli)
			.args(["verify", proof.to_str().unwrap(), "--checkpoint", checkpoint.to_str().unwrap()])
			.output()
			.unwrap();
		let said = String::from_utf8_lossy(&verified.stdout);
		assert!(verified.status.success() && said.starts_with("verified: request"), "{said}");
	}
	// An input of the wrong size is refused by the worker, with its reason.
	std::fs::write(&files[0], [0u8; 17]).unwrap();
	let out = Command::new(&cli)
		.args(["--node", &node.ws_url(), "--key", "//Ferdie", "infer", "--group", "0"])
		.args(["--worker", &ws(&workers[1]), "--input"])
		.arg(&files[0])
		.output()
		.unwrap();
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(!out.status.success() && stderr.contains("refused the input"), "{stderr}");

	triton_client_orders_what_a_worker_answered(&chain, &workers[1]).await;
	a_delivered_input_reaches_every_member_and_is_certified(&node, &workers).await;
	fast_inference_holds_a_receipt_before_the_certificate(&node, &workers, dir.path()).await;
	let before_dapp = check_ledger(&chain, start).await.unwrap();

	let (eth, request, label) =
		a_dapp_settles_a_bounty_on_a_certificate(&node, &workers, dir.path()).await;
	ethereum_tools_use_the_chain_unchanged(&eth, request, label);
	// The ledger holds across Ethereum transactions and contract accounts:
	// the fees, and the existential deposits the contracts pallet minted for
	// the four new contracts' accounts (the bounty, one per tool), once the
	// blocks that hold them are final.
	let last = chain.best_number().await.unwrap();
	wait_finalized(&node, last, Duration::from_secs(60)).await.unwrap();
	let (_, moves) = check_ledger_moves(&chain, before_dapp).await.unwrap();
	let existential_deposit = chain
		.at(None)
		.await
		.unwrap()
		.constants()
		.entry(dropbear_api::runtime::constants().balances().existential_deposit())
		.unwrap();
	assert!(moves.minted >= 4 * existential_deposit, "{moves:?}");

	// SIGTERM stops a worker cleanly.
	for mut w in workers {
		let pid = w.child.id().to_string();
		assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
		let deadline = std::time::Instant::now() + Duration::from_secs(20);
		let status = loop {
			if let Some(status) = w.child.try_wait().unwrap() {
				break status;
			}
			assert!(std::time::Instant::now() < deadline, "no exit after SIGTERM: {}", w.log());
			tokio::time::sleep(Duration::from_millis(100)).await;
		};
		assert!(status.success(), "exit after SIGTERM: {status}: {}", w.log());
		assert!(w.log().contains("shutting down"), "{}", w.log());
	}
}

#[tokio::test]
async fn a_lying_member_never_changes_a_certificate_is_slashed_on_its_signed_answer_and_an_equivocating_one_is_slashed(
) {
	let dir = tempfile::tempdir().unwrap();
	// Charlie's worker lies on every request; Dave's equivocates on every batch.
	let (node, chain, workers) =
		network(dir.path(), [None, None, Some("lie"), Some("equivocate")]).await;
	let client = Client::connect(&node.ws_url()).await.unwrap();
	let start = ledger_now(&chain).await.unwrap();
	let dave = account(&dev_key("Dave"));
	let bond = |owner: Option<records::Owner>| owner.map(|o| o.bonded);
	let bond_before = bond(chain.owner(None, &dave).await.unwrap()).unwrap();

	let n = 12;
	let (first, _) = order_digits(&chain, &workers[0], n).await;
	let certs = decided(&chain, first, n).await;
	for cert in &certs {
		let (outcome, agreed) = (&cert.outcome, &cert.agreed);
		// The liar's label is never the certified one: it never agrees.
		assert!(!agreed.contains(&2), "the lying model 2 agreed: {agreed:?} ({outcome:?})");
	}
	let certified = certs.iter().filter(|c| matches!(c.outcome, Outcome::Certified(_))).count();
	assert!(certified >= n - 2, "the three others certify: {certified} of {n}");
	// Every certificate is the honest answer: that of Alice's and Bob's votes.
	for cert in decided_best(&client, first, n).await {
		let Outcome::Certified(answer) = &cert.outcome else { continue };
		let view = client.batch(cert.batch).await.unwrap().unwrap();
		let honest: Vec<_> = [0, 1]
			.iter()
			.filter_map(|m| view.votes[*m].as_ref().map(|v| &v[cert.index as usize]))
			.collect();
		assert!(
			honest.contains(&answer),
			"request {}: certified {answer:?}, honest votes {honest:?}",
			cert.request
		);
	}

	// A second batch: Dave's worker equivocates on it too, in the same
	// offence window.
	let (second, _) = order_digits(&chain, &workers[0], 4).await;
	let more = decided_best(&client, second, 4).await;
	assert_ne!(more[0].batch, certs[0].batch);
	let record = wait_for("both equivocations recorded", Duration::from_secs(60), || async {
		let r = chain.member_record(None, 0, 3).await?;
		Ok((r.equivocated >= 2).then_some(r))
	})
	.await
	.unwrap();
	// One slash per offence window, however many offences: a stolen hot
	// key cannot burn the bond batch by batch.
	let slashed = bond(chain.owner(None, &dave).await.unwrap()).unwrap();
	assert_eq!(bond_before - slashed, bond_before / 10, "10% of Dave's bond, once: {record:?}");
	assert!(workers[3].log().contains("equivocated on batch"), "{}", workers[3].log());

	// Charlie's worker signs its honest answer over the Open Inference
	// Protocol, then votes a lie on the request: the client that holds the
	// signed answer proves it, and Charlie's bond pays.
	let charlie = account(&dev_key("Charlie"));
	let charlie_before = bond(chain.owner(None, &charlie).await.unwrap()).unwrap();
	let images = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let digit = &images[310 * 256..311 * 256];
	let urls: Vec<String> = workers.iter().map(|w| format!("http://{}", w.http_host())).collect();
	let fanout = Fanout::connect(&client, 0, &urls).await.unwrap();
	let answers: Vec<SignedAnswer> = fanout
		.answers(digit, Duration::from_secs(30))
		.await
		.by_worker
		.into_iter()
		.map(|(url, answer)| answer.unwrap_or_else(|e| panic!("{url}: {e:#}")))
		.collect();
	assert_eq!(answers.len(), 4);
	let ferdie = dev_key("Ferdie");
	let request = client.request(&ferdie, 0, dropbear_api::input_hash(digit), PRICE).await.unwrap();
	let certificate = client.wait_certificate(request, Duration::from_secs(60)).await.unwrap();
	let lies = wait_for("Charlie's reveal", Duration::from_secs(60), || async {
		let view = client.batch(certificate.batch).await?.unwrap();
		let revealed = view.votes[2].is_some();
		Ok(revealed.then_some(client.lies(request, &answers).await?))
	})
	.await
	.unwrap();
	// Only Charlie lied; what it signed is what the group certified.
	assert_eq!(lies.len(), 1, "{lies:?}");
	let lie = &lies[0];
	assert_eq!(lie.answer.answer.model, 2);
	assert_eq!(certificate.outcome, Outcome::Certified(lie.answer.answer.output.clone()));
	assert_ne!(lie.voted, lie.answer.answer.output);

	// Reports that prove nothing are refused, each with its reason, and
	// slash nobody: a signature over another answer, an honest member's
	// answer, an answer for another request.
	let refused = |result: anyhow::Result<dropbear_client::lies::Proven>, what: &str| {
		format!("{:#}", result.map(|p| panic!("{what} was taken: {p:?}")).unwrap_err())
	};
	let mut forged = lie.clone();
	forged.answer.signature = answers[3].signature;
	let err = refused(client.report_lie(&ferdie, &forged).await, "a forged signature");
	assert!(err.contains("BadAnswerSignature"), "{err}");
	let honest = Lie { request, answer: answers[0].clone(), voted: lie.voted.clone() };
	let err = refused(client.report_lie(&ferdie, &honest).await, "an honest answer");
	assert!(err.contains("NotALie"), "{err}");
	let other = Lie { request: request - 1, ..lie.clone() };
	let err = refused(client.report_lie(&ferdie, &other).await, "another request");
	assert!(err.contains("AnswerForOtherRequest"), "{err}");
	assert_eq!(bond(chain.owner(None, &charlie).await.unwrap()).unwrap(), charlie_before);

	let proven = client.report_lie(&ferdie, lie).await.unwrap();
	assert_eq!(proven.model, 2);
	assert_eq!(proven.slashed, charlie_before / 10, "10% of Charlie's bond");
	// The slash, once finalized, is what the call said.
	let charlie_after = wait_for("the slash to be final", Duration::from_secs(30), || async {
		let now = bond(chain.owner(None, &charlie).await?).unwrap_or(charlie_before);
		Ok((now < charlie_before).then_some(now))
	})
	.await
	.unwrap();
	assert_eq!(charlie_before - charlie_after, charlie_before / 10);
	// The member's record on chain counts the lie (read at the finalized
	// block, which holds the slash).
	let record = chain.member_record(None, 0, 2).await.unwrap();
	assert_eq!(record.lied, 1, "{record:?}");
	let err = refused(client.report_lie(&ferdie, lie).await, "the same proof again");
	assert!(err.contains("AlreadyConvicted"), "{err}");

	// The slashes left the issuance, the refused reports paid their fees;
	// everything else is where it should be.
	check_ledger(&chain, start).await.unwrap();
}

/// The blake2-256 digest of a model file named in the models' manifest.
fn manifest_digest(name: &str) -> Digest {
	let manifest = manifest();
	let model = manifest["models"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap();
	let digest = hex::decode(model["blake2_256"].as_str().unwrap()).unwrap();
	Digest::try_from(digest).expect("a 32-byte digest")
}

#[tokio::test]
async fn a_replaced_version_is_picked_up_without_a_restart_and_serves_from_its_activation_block() {
	let dir = tempfile::tempdir().unwrap();
	// Alice's worker watches a model directory, empty for now.
	let alice_models = dir.path().join("alice-models");
	std::fs::create_dir(&alice_models).unwrap();
	let (_node, chain, workers) = network_with(dir.path(), [None; 4], Some(&alice_models)).await;
	// Requests ordered before the new version is even published...
	let (before, _) = order_digits(&chain, &workers[0], 4).await;
	let publish = |digest: Digest| {
		let call =
			runtime::tx().models().publish_version(0, digest, Static(WeightsFormat::TorchScript));
		let chain = &chain;
		async move { chain.submit_finalized(&dev_key("Alice"), &call).await }
	};
	// Charlie's weights are not Alice's to serve: members run different models.
	let err = dropbear_e2e::chain::refused(
		publish(manifest_digest("digits-cnn-small")).await,
		"a fellow member's weights",
	);
	assert!(err.contains("DuplicateWeights"), "{err}");
	// Alice publishes weights she has not built yet, then replaces them
	// before activation with a model she drops into the directory (the
	// near-free benchmark model: no other member serves it).
	let included = publish([0x5e; 32]).await.unwrap();
	let first = included.events.find_first::<VersionPublished>().unwrap().unwrap();
	assert_eq!(first.version, 2);
	let next = std::fs::read(models_dir().join("digits-free.pt")).unwrap();
	std::fs::write(alice_models.join("next.pt"), &next).unwrap();
	let next = dropbear_api::input_hash(&next);
	let included = publish(next).await.unwrap();
	let replaced = included.events.find_first::<PendingVersionReplaced>().unwrap().unwrap();
	assert_eq!(replaced.version, 3, "a replacement gets a new number");
	let active_from = replaced.active_from;

	// Loaded from the new file before its block, while version 1 still serves.
	wait_for("Alice's worker to load version 3", Duration::from_secs(30), || async {
		Ok(workers[0].log().contains("loaded version 3").then_some(()))
	})
	.await
	.unwrap_or_else(|e| panic!("{e}: {}", workers[0].log()));
	assert!(workers[0].log().contains("refusing to serve version 2"), "{}", workers[0].log());

	// ...and after its activation block.
	wait_for("the activation block", Duration::from_secs(60), || async {
		Ok((chain.at(None).await?.block_number() > u64::from(active_from)).then_some(()))
	})
	.await
	.unwrap();
	let (after, _) = order_digits(&chain, &workers[0], 4).await;
	let earlier = decided(&chain, before, 4).await;
	let later = decided(&chain, after, 4).await;
	let logreg = manifest_digest("digits-logreg");
	for (certs, version, digest) in [(&earlier, 1, logreg), (&later, 3, next)] {
		for cert in certs {
			let ordered_at = cert.ordered_at;
			let alice = &cert.versions[0];
			let want = if ordered_at >= active_from { 3 } else { 1 };
			assert_eq!(
				want, version,
				"request ordered at #{ordered_at}, activation #{active_from}"
			);
			assert_eq!((alice.model, alice.version, alice.digest), (0, want, digest), "{cert:?}");
		}
		// Alice's reveal for that exact version was accepted (the pallet refuses
		// a reveal naming another version).
		let batch = certs[0].batch;
		let alice_voted =
			wait_for("Alice's vote on the batch", Duration::from_secs(30), || async {
				let view = chain.batch(None, batch).await?;
				Ok(view.and_then(|b| b.votes.into_iter().next()).flatten())
			})
			.await;
		assert!(
			alice_voted.is_ok(),
			"no vote by Alice's worker on batch {batch}: {}",
			workers[0].log()
		);
	}
	assert!(workers[0].log().contains("version 3 serves new requests"), "{}", workers[0].log());
	// Version 1's weights are neither current nor pending any more: unloaded.
	wait_for("version 1's weights to be unloaded", Duration::from_secs(30), || async {
		Ok(workers[0].log().contains("unloaded weights").then_some(()))
	})
	.await
	.unwrap_or_else(|e| panic!("{e}: {}", workers[0].log()));
}

#[tokio::test]
async fn two_colluding_liars_get_no_certificate_and_the_client_is_refunded() {
	let dir = tempfile::tempdir().unwrap();
	// Charlie's and Dave's workers both answer 7 to everything.
	let (node, chain, workers) =
		network(dir.path(), [None, None, Some("constant:7"), Some("constant:7")]).await;
	let client = Client::connect(&node.ws_url()).await.unwrap();
	let start = ledger_now(&chain).await.unwrap();
	let ferdie = account(&dev_key("Ferdie"));
	let (free_before, held_before) = chain.balance(None, &ferdie).await.unwrap();

	let n = 12;
	let (first, labels) = order_digits(&chain, &workers[0], n).await;
	let certs = decided_best(&client, first, n).await;
	for (cert, label) in certs.iter().zip(&labels) {
		// Two honest and two colluding members: neither side reaches q = 3,
		// so nothing is certified, least of all the liars' 7.
		// (A digit that really is a 7 may be certified 7 by all four.)
		if *label != 7 {
			assert_eq!(cert.outcome, Outcome::NoAgreement, "request {}: {:?}", cert.request, cert);
		}
	}
	// Every fee comes back when the batch closes.
	closed(&node, &client, &certs).await;
	let (free_after, held_after) = chain.balance(None, &ferdie).await.unwrap();
	assert_eq!(held_after, held_before, "no fee stays held");
	// Ferdie pays for what was certified (only true 7s can be) and the
	// transaction fee; every other fee came back.
	let certified = certs.iter().filter(|c| matches!(c.outcome, Outcome::Certified(_))).count();
	let spent = free_before - free_after;
	let beyond = spent.checked_sub(PRICE * certified as u128);
	assert!(
		beyond.is_some_and(|b| b < PRICE),
		"Ferdie paid {spent} for {certified} certified requests at {PRICE} each"
	);
	check_ledger(&chain, start).await.unwrap();
}

#[tokio::test]
async fn a_copier_is_never_counted_a_withheld_input_voids_only_itself_and_a_stale_reveal_costs_no_vote(
) {
	let dir = tempfile::tempdir().unwrap();
	// Dave's worker runs no model: it commits to nothing in particular and
	// reveals whatever the others revealed. Bob's is honest, but each batch
	// first meets what a reorg does to a member: a reveal of a commitment
	// that is not on this chain (it landed on the fork that lost), refused
	// with `NoCommitment`. Bob must still commit and reveal on the batch:
	// without him the three honest members have no quorum.
	let (node, chain, workers) =
		network(dir.path(), [None, Some("stale-reveal"), None, Some("copy")]).await;
	let client = Client::connect(&node.ws_url()).await.unwrap();
	let start = ledger_now(&chain).await.unwrap();
	let dave = account(&dev_key("Dave"));
	let ferdie = account(&dev_key("Ferdie"));
	let (dave_before, _) = chain.balance(None, &dave).await.unwrap();
	let (ferdie_before, _) = chain.balance(None, &ferdie).await.unwrap();

	// Ferdie sends 8 digits to a worker and orders them together with one
	// input he never sent anybody, in one call.
	let rpc =
		jsonrpsee::http_client::HttpClientBuilder::default().build(workers[0].rpc_url()).unwrap();
	let images = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let labels = std::fs::read(models_dir().join("digits-test-labels.bin")).unwrap();
	let n = 8;
	let mut hashes: Vec<Digest> = Vec::new();
	for image in images.chunks(256).take(n) {
		hashes.push(rpc.submit_input(0, InputBytes(image.to_vec())).await.unwrap().0);
	}
	let withheld = dropbear_api::input_hash(b"never sent to any worker");
	hashes.insert(3, withheld);
	let call = runtime::tx().inference().request_batch(0, hashes, PRICE);
	let included = chain.submit_finalized(&dev_key("Ferdie"), &call).await.unwrap();
	let ids = requested_ids(&included).unwrap();
	assert_eq!(ids.len(), n + 1);
	let certs = decided_best(&client, ids[0], n + 1).await;

	let mut certified = 0;
	for (i, cert) in certs.iter().enumerate() {
		assert!(!cert.agreed.contains(&3), "the copier is never counted: {cert:?}");
		if i == 3 {
			assert_eq!(cert.outcome, Outcome::InputUnavailable, "{cert:?}");
			assert_eq!(cert.agreed, vec![0, 1, 2], "the three that looked for it");
			continue;
		}
		let label = labels[if i < 3 { i } else { i - 1 }];
		if cert.outcome == Outcome::Certified(Output::Label(u32::from(label))) {
			certified += 1;
		}
	}
	assert!(certified >= n - 1, "the real inputs are certified: {certified} of {n}");
	wait_for("the copier's reveal to be refused", Duration::from_secs(30), || async {
		let log = workers[3].log();
		Ok((log.contains("copied reveal on batch") && log.contains("RevealMismatch")).then_some(()))
	})
	.await
	.unwrap_or_else(|e| panic!("{e}: {}", workers[3].log()));
	assert!(workers[0].log().contains("voting it unavailable"), "{}", workers[0].log());
	let bob = workers[1].log();
	assert!(
		bob.contains("stale reveal on batch") && bob.contains("Inference::NoCommitment"),
		"Bob's batch never met a reveal with no commitment: {bob}"
	);
	assert!(!bob.contains("not voting on batch"), "Bob gave up a batch: {bob}");

	// Fees settle when the batch closes: every fee, the withheld input's
	// included, goes to the three honest members; none to Dave.
	closed(&node, &client, &certs).await;
	let (dave_after, _) = chain.balance(None, &dave).await.unwrap();
	assert_eq!(dave_after, dave_before, "the copier earned nothing");
	let decided_fees = certs.iter().filter(|c| !c.agreed.is_empty()).count() as u128;
	let (ferdie_after, ferdie_held) = chain.balance(None, &ferdie).await.unwrap();
	assert_eq!(ferdie_held, 0);
	let spent = ferdie_before - ferdie_after;
	let beyond = spent.checked_sub(decided_fees * (PRICE / 3) * 3);
	assert!(
		beyond.is_some_and(|b| b < PRICE),
		"Ferdie paid {spent} for {decided_fees} decided requests"
	);
	let record = client.member_record(0, 3).await.unwrap();
	assert_eq!(record.agreed, 0, "{record:?}");
	assert!(record.missed >= (n + 1) as u64, "the copier's record: {record:?}");
	let alice = client.member_record(0, 0).await.unwrap();
	assert_eq!(alice.unavailable, 1, "{alice:?}");
	check_ledger(&chain, start).await.unwrap();
}

#[tokio::test]
async fn a_killed_worker_restarts_catches_up_and_never_votes_twice() {
	let dir = tempfile::tempdir().unwrap();
	let (node, chain, mut workers) = network(dir.path(), [None; 4]).await;
	let client = Client::connect(&node.ws_url()).await.unwrap();
	let start = ledger_now(&chain).await.unwrap();
	let n = 8;
	let (first, _) = order_digits(&chain, &workers[0], n).await;
	let before = decided_best(&client, first, n).await;

	// Dave's worker dies without warning; the others keep certifying.
	let mut dave = workers.pop().unwrap();
	dave.child.kill().unwrap();
	dave.child.wait().unwrap();
	let (first, _) = order_digits(&chain, &workers[0], n).await;
	let during = decided_best(&client, first, n).await;
	assert!(during.iter().filter(|c| matches!(c.outcome, Outcome::Certified(_))).count() >= n - 2);
	assert!(during.iter().all(|c| !c.agreed.contains(&3)));

	// Restarted (same key, same model), it follows the chain again, votes on
	// the batches still open that lack its vote, and serves new requests.
	let restarted = Worker::start(dir.path(), &node, "Dave", "digits-cnn-wide.pt");
	let (first, _) = order_digits(&chain, &workers[0], n).await;
	let after = decided_best(&client, first, n).await;
	let batch = after[0].batch;
	member_voted(&client, batch, 3, Duration::from_secs(60))
		.await
		.unwrap_or_else(|e| panic!("{e}: {}", restarted.log()));

	// One commitment and one reveal per batch: nothing refused as a
	// duplicate, nothing equivocated.
	let record = client.member_record(0, 3).await.unwrap();
	assert_eq!(record.equivocated, 0, "{record:?}");
	let log = restarted.log();
	assert!(!log.contains("AlreadyCommitted") && !log.contains("AlreadyRevealed"), "{log}");
	assert!(before.iter().all(|c| c.outcome != Outcome::Pending));
	drop(dave);
	check_ledger(&chain, start).await.unwrap();
}
