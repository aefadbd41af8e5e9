//! Real workers against a real node: the TorchScript digit models, input
//! gossip between four worker processes, votes on chain and certificates.

use dropbear_e2e::{chain, dev_node_key, free_port, node_binary, wait_for, Node, NodeSpec};
use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::Duration,
};
use subxt::dynamic::{At, Value};
use subxt_signer::sr25519::dev;

const PRICE: u128 = 10_000_000_000;
const NAMES: [&str; 4] = ["Alice", "Bob", "Charlie", "Dave"];

fn worker_binary() -> PathBuf {
	node_binary().with_file_name("dropbear-worker")
}

fn models_dir() -> PathBuf {
	std::env::var_os("DROPBEAR_MODELS").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/dropbear-models")
	})
}

fn manifest() -> serde_json::Value {
	let path = models_dir().join("manifest.json");
	let text = std::fs::read_to_string(&path)
		.unwrap_or_else(|e| panic!("{}: {e}; run scripts/setup.sh", path.display()));
	serde_json::from_str(&text).unwrap()
}

/// The dev chain spec with the demo models' digests replaced by those of the
/// TorchScript files `make_models.py` wrote (model i is DEMO_MODELS[i]).
fn spec_with_real_digests(dir: &Path) -> PathBuf {
	let out =
		Command::new(node_binary()).args(["export-chain-spec", "--chain", "dev"]).output().unwrap();
	let mut spec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
	let manifest = manifest();
	let models =
		spec["genesis"]["runtimeGenesis"]["patch"]["models"]["models"].as_array_mut().unwrap();
	for entry in models.iter_mut() {
		let name = String::from_utf8(
			entry[1].as_array().unwrap().iter().map(|b| b.as_u64().unwrap() as u8).collect(),
		)
		.unwrap();
		let m = manifest["models"]
			.as_array()
			.unwrap()
			.iter()
			.find(|m| m["name"] == name.as_str())
			.unwrap();
		let digest = hex::decode(m["blake2_256"].as_str().unwrap()).unwrap();
		entry[4] = serde_json::json!(digest);
	}
	let path = dir.join("spec.json");
	std::fs::write(&path, serde_json::to_vec(&spec).unwrap()).unwrap();
	path
}

struct Worker {
	child: Child,
	rpc_port: u16,
	p2p_port: u16,
	log: PathBuf,
}

impl Worker {
	fn start(dir: &Path, node: &Node, name: &str, model_file: &str, peers: &[String]) -> Worker {
		Self::start_with(dir, node, name, &[model_file], peers, None)
	}

	/// A worker; with `fault`, the fault-injection harness instead of the
	/// production binary.
	fn start_with(
		dir: &Path,
		node: &Node,
		name: &str,
		model_files: &[&str],
		peers: &[String],
		fault: Option<&str>,
	) -> Worker {
		let (rpc_port, p2p_port) = (free_port(), free_port());
		let log = dir.join(format!("worker-{name}.log"));
		let file = std::fs::File::create(&log).unwrap();
		let mut cmd = match fault {
			None => Command::new(worker_binary()),
			Some(fault) => {
				let mut c = Command::new(env!("CARGO_BIN_EXE_dropbear-faulty-worker"));
				c.args(["--fault", fault]);
				c
			}
		};
		cmd.args(["--node-url", &node.ws_url()])
			.args(["--worker-key", &format!("//{name}-worker")])
			.args(["--group", "0", "--device", "cpu", "--max-wait-ms", "2"])
			.args(model_files.iter().flat_map(|f| {
				["--model".to_string(), models_dir().join(f).to_string_lossy().into_owned()]
			}))
			.args(["--listen", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
			.args(["--rpc-addr", &format!("127.0.0.1:{rpc_port}")]);
		for p in peers {
			cmd.args(["--peer", p]);
		}
		let child = cmd
			.stdout(Stdio::from(file.try_clone().unwrap()))
			.stderr(Stdio::from(file))
			.spawn()
			.unwrap();
		Worker { child, rpc_port, p2p_port, log }
	}

	fn log(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	fn rpc_url(&self) -> String {
		format!("http://127.0.0.1:{}", self.rpc_port)
	}
}

impl Drop for Worker {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
		if std::thread::panicking() {
			let log = self.log();
			let tail: Vec<&str> = log.lines().rev().take(30).collect();
			eprintln!("---- last lines of {} ----", self.log.display());
			for l in tail.into_iter().rev() {
				eprintln!("{l}");
			}
		}
	}
}

#[tokio::test]
async fn a_worker_refuses_a_model_file_whose_digest_is_not_on_chain() {
	let dir = tempfile::tempdir().unwrap();
	// The plain dev chain commits to stand-in digests, not to these files.
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	node.rpc().await.unwrap();
	let mut worker = Worker::start(dir.path(), &node, "Alice", "digits-logreg.pt", &[]);
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

const FILES: [&str; 4] =
	["digits-logreg.pt", "digits-mlp.pt", "digits-cnn-small.pt", "digits-cnn-wide.pt"];

/// A one-validator chain committing to the real model digests, and the four
/// demo members' workers (`faults[i]` picks the harness for member i).
async fn network(dir: &Path, faults: [Option<&str>; 4]) -> (Node, chain::Api, Vec<Worker>) {
	network_with(dir, faults, &[]).await
}

/// As [`network`], with more model files for Alice's worker.
async fn network_with(
	dir: &Path,
	faults: [Option<&str>; 4],
	alice_extra: &[&str],
) -> (Node, chain::Api, Vec<Worker>) {
	let spec = spec_with_real_digests(dir);
	let node_spec = NodeSpec {
		name: "alice".into(),
		chain: spec.to_string_lossy().into_owned(),
		dev_account: Some("alice".into()),
		validator: true,
		node_key: Some(dev_node_key("alice").0),
		bootnodes: vec![],
	};
	let node = Node::start(node_spec, dir).unwrap();
	node.rpc().await.unwrap();
	let api = chain::connect(&node.ws_url()).await.unwrap();
	let mut workers: Vec<Worker> = Vec::new();
	for ((name, file), fault) in NAMES.iter().zip(FILES).zip(faults) {
		let peers: Vec<String> =
			workers.iter().map(|w| format!("/ip4/127.0.0.1/tcp/{}", w.p2p_port)).collect();
		let mut files = vec![file];
		if *name == "Alice" {
			files.extend_from_slice(alice_extra);
		}
		workers.push(Worker::start_with(dir, &node, name, &files, &peers, fault));
	}
	for w in &workers {
		let client =
			jsonrpsee::http_client::HttpClientBuilder::default().build(w.rpc_url()).unwrap();
		wait_for("a worker to serve with its three peers", Duration::from_secs(90), || async {
			use jsonrpsee::core::client::ClientT;
			let health: Result<serde_json::Value, _> =
				client.request("worker_health", jsonrpsee::rpc_params![]).await;
			Ok(health.ok().filter(|h| h["ready"] == true && h["peers"].as_u64() >= Some(3)))
		})
		.await
		.unwrap();
	}
	(node, api, workers)
}

/// The first `n` held-out digits, submitted to `worker` only, then ordered
/// by Ferdie in one call: the first request id, and the labels.
async fn order_digits(api: &chain::Api, worker: &Worker, n: usize) -> (u128, Vec<u8>) {
	use jsonrpsee::core::client::ClientT;
	let client =
		jsonrpsee::http_client::HttpClientBuilder::default().build(worker.rpc_url()).unwrap();
	let inputs = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let labels = std::fs::read(models_dir().join("digits-test-labels.bin")).unwrap();
	let mut hashes = Vec::new();
	for image in inputs.chunks(256).take(n) {
		let hash: String = client
			.request(
				"worker_submitInput",
				jsonrpsee::rpc_params![0, format!("0x{}", hex::encode(image))],
			)
			.await
			.unwrap();
		hashes.push(hex::decode(&hash[2..]).unwrap());
	}
	let events = chain::submit(
		api,
		&dev::ferdie(),
		"Inference",
		"request_batch",
		vec![
			Value::u128(0),
			Value::unnamed_composite(hashes.iter().map(|h| Value::from_bytes(h))),
			Value::u128(PRICE),
		],
	)
	.await
	.unwrap();
	let first = events
		.iter()
		.find(|(p, e, _)| p == "Inference" && e == "Requested")
		.and_then(|(_, _, v)| v.at("request").and_then(|r| r.as_u128()))
		.unwrap();
	(first, labels[..n].to_vec())
}

/// Each request's certificate once decided.
async fn decided(api: &chain::Api, first: u128, n: usize) -> Vec<Value> {
	let mut out = Vec::new();
	for i in 0..n as u128 {
		let cert = wait_for("a decision", Duration::from_secs(60), || async {
			let c = chain::runtime_call(
				api,
				"InferenceApi",
				"certificate",
				vec![Value::u128(first + i)],
			)
			.await?;
			Ok((!c.to_string().contains("Pending")).then_some(c))
		})
		.await
		.unwrap();
		out.push(cert);
	}
	out
}

fn field(cert: &Value, name: &str) -> String {
	cert.at(0).and_then(|c| c.at(name)).map(|v| v.to_string()).unwrap_or_default()
}

#[tokio::test]
async fn four_workers_certify_real_digits_with_their_models() {
	let dir = tempfile::tempdir().unwrap();
	let (node, api, workers) = network(dir.path(), [None; 4]).await;
	let n = 24;
	let (first, labels) = order_digits(&api, &workers[0], n).await;
	let certs = decided(&api, first, n).await;
	let mut certified = 0;
	let mut correct = 0;
	for (cert, label) in certs.iter().zip(&labels) {
		let outcome = field(cert, "outcome");
		if outcome.contains("Certified") {
			certified += 1;
			if outcome.contains(&format!("Label ({label})")) {
				correct += 1;
			}
			let agreed = field(cert, "agreed");
			assert!(agreed.matches(',').count() >= 2, "at least three members agreed: {agreed}");
		}
	}
	// Four models of 96-99% accuracy agree on nearly every digit.
	assert!(certified >= n - 2, "{certified} of {n} certified");
	assert!(correct >= certified - 2, "{correct} of {certified} certified answers are right");
	for w in &workers {
		assert!(w.log().contains("loaded version 1"), "{}", w.log());
	}

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
		.args(["--node", &node.ws_url(), "--key", "//Ferdie", "infer", "--group", "0", "--format", "json"])
		.args(["--worker", &ws(&workers[1]), "--worker", &ws(&workers[2]), "--save", proofs.to_str().unwrap()])
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
async fn a_lying_member_never_changes_a_certificate_and_an_equivocating_one_is_slashed() {
	let dir = tempfile::tempdir().unwrap();
	// Charlie's worker lies on every request; Dave's equivocates on every batch.
	let (_node, api, workers) =
		network(dir.path(), [None, None, Some("lie"), Some("equivocate")]).await;
	let dave = dev::dave().public_key().0;
	let bond = |owner: Option<Value>| owner.and_then(|o| o.at("bonded").and_then(|b| b.as_u128()));
	let bond_before = bond(
		chain::storage(&api, "Models", "Owners", vec![Value::from_bytes(dave)]).await.unwrap(),
	)
	.unwrap();

	let n = 12;
	let (first, _) = order_digits(&api, &workers[0], n).await;
	let certs = decided(&api, first, n).await;
	for cert in &certs {
		let outcome = field(cert, "outcome");
		let agreed = field(cert, "agreed");
		// The liar's label is never the certified one: it never agrees.
		assert!(!agreed.contains('2'), "the lying model 2 agreed: {agreed} ({outcome})");
	}
	let certified = certs.iter().filter(|c| field(c, "outcome").contains("Certified")).count();
	assert!(certified >= n - 2, "the three others certify: {certified} of {n}");

	let slashed =
		wait_for("Dave's equivocation to be slashed", Duration::from_secs(60), || async {
			let now = bond(
				chain::storage(&api, "Models", "Owners", vec![Value::from_bytes(dave)]).await?,
			);
			Ok(now.filter(|b| *b < bond_before))
		})
		.await
		.unwrap();
	assert_eq!(bond_before - slashed, bond_before / 10, "10% of Dave's bond");
	let record = chain::runtime_call(
		&api,
		"InferenceApi",
		"member_record",
		vec![Value::u128(0), Value::u128(3)],
	)
	.await
	.unwrap();
	assert!(record.at("equivocated").and_then(|v| v.as_u128()) >= Some(1), "{record}");
	assert!(workers[3].log().contains("equivocated on batch"), "{}", workers[3].log());
}

#[tokio::test]
async fn a_new_version_is_loaded_ahead_and_serves_exactly_from_its_activation_block() {
	let dir = tempfile::tempdir().unwrap();
	// Alice's worker also holds the file of her next version (here: the MLP).
	let (_node, api, workers) = network_with(dir.path(), [None; 4], &["digits-mlp.pt"]).await;
	// Requests ordered before the new version is even published...
	let (before, _) = order_digits(&api, &workers[0], 4).await;
	let manifest = manifest();
	let mlp =
		manifest["models"].as_array().unwrap().iter().find(|m| m["name"] == "digits-mlp").unwrap();
	let digest = hex::decode(mlp["blake2_256"].as_str().unwrap()).unwrap();
	let events = chain::submit(
		&api,
		&dev::alice(),
		"Models",
		"publish_version",
		vec![Value::u128(0), Value::from_bytes(&digest), Value::unnamed_variant("TorchScript", [])],
	)
	.await
	.unwrap();
	let published =
		&events.iter().find(|(p, e, _)| p == "Models" && e == "VersionPublished").unwrap().2;
	let active_from = published.at("active_from").and_then(|v| v.as_u128()).unwrap();

	// Loaded before its block, while version 1 still serves.
	wait_for("Alice's worker to load version 2", Duration::from_secs(30), || async {
		Ok(workers[0].log().contains("loaded version 2").then_some(()))
	})
	.await
	.unwrap();

	// ...and after its activation block.
	wait_for("the activation block", Duration::from_secs(60), || async {
		Ok((api.at_current_block().await?.block_number() as u128 > active_from).then_some(()))
	})
	.await
	.unwrap();
	let (after, _) = order_digits(&api, &workers[0], 4).await;
	let earlier = decided(&api, before, 4).await;
	let later = decided(&api, after, 4).await;
	for (certs, version) in [(&earlier, 1), (&later, 2)] {
		for cert in certs {
			let ordered_at =
				cert.at(0).and_then(|c| c.at("ordered_at")).and_then(|v| v.as_u128()).unwrap();
			let versions = field(cert, "versions");
			let want = if ordered_at >= active_from { 2 } else { 1 };
			assert_eq!(
				want, version,
				"request ordered at #{ordered_at}, activation #{active_from}"
			);
			assert!(versions.starts_with(&format!("((0, {want})")), "{versions}");
		}
		// Alice's vote for that exact version was accepted (the pallet refuses
		// a vote naming another version).
		let batch = certs[0].at(0).and_then(|c| c.at("batch")).and_then(|v| v.as_u128()).unwrap();
		let alice_voted =
			wait_for("Alice's vote on the batch", Duration::from_secs(30), || async {
				let view =
					chain::runtime_call(&api, "InferenceApi", "batch", vec![Value::u128(batch)])
						.await?;
				let vote = view
					.at(0)
					.and_then(|b| b.at("votes"))
					.and_then(|v| v.at(0))
					.map(|v| v.to_string());
				Ok(vote.filter(|v| v.starts_with("Some")))
			})
			.await;
		assert!(
			alice_voted.is_ok(),
			"no vote by Alice's worker on batch {batch}: {}",
			workers[0].log()
		);
	}
	assert!(workers[0].log().contains("version 2 serves new requests"), "{}", workers[0].log());
}
