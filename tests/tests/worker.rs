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
		let (rpc_port, p2p_port) = (free_port(), free_port());
		let log = dir.join(format!("worker-{name}.log"));
		let file = std::fs::File::create(&log).unwrap();
		let mut cmd = Command::new(worker_binary());
		cmd.args(["--node-url", &node.ws_url()])
			.args(["--worker-key", &format!("//{name}-worker")])
			.args(["--group", "0", "--device", "cpu", "--max-wait-ms", "2"])
			.arg("--model")
			.arg(models_dir().join(model_file))
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

#[tokio::test]
async fn four_workers_certify_real_digits_with_their_models() {
	let dir = tempfile::tempdir().unwrap();
	let spec = spec_with_real_digests(dir.path());
	let node_spec = NodeSpec {
		name: "alice".into(),
		chain: spec.to_string_lossy().into_owned(),
		dev_account: Some("alice".into()),
		validator: true,
		node_key: Some(dev_node_key("alice").0),
		bootnodes: vec![],
	};
	let node = Node::start(node_spec, dir.path()).unwrap();
	node.rpc().await.unwrap();
	let api = chain::connect(&node.ws_url()).await.unwrap();

	let files = ["digits-logreg.pt", "digits-mlp.pt", "digits-cnn-small.pt", "digits-cnn-wide.pt"];
	let mut workers: Vec<Worker> = Vec::new();
	for (name, file) in NAMES.iter().zip(files) {
		let peers: Vec<String> =
			workers.iter().map(|w| format!("/ip4/127.0.0.1/tcp/{}", w.p2p_port)).collect();
		workers.push(Worker::start(dir.path(), &node, name, file, &peers));
	}
	let client =
		jsonrpsee::http_client::HttpClientBuilder::default().build(workers[0].rpc_url()).unwrap();
	wait_for("worker Alice to serve", Duration::from_secs(90), || async {
		use jsonrpsee::core::client::ClientT;
		let health: Result<serde_json::Value, _> =
			client.request("worker_health", jsonrpsee::rpc_params![]).await;
		Ok(health.ok().filter(|h| h["ready"] == true && h["peers"].as_u64() >= Some(3)))
	})
	.await
	.unwrap();

	// The first 24 held-out digits, given to Alice's worker only: the others
	// get them by gossip (or fetch them by hash).
	let inputs = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let labels = std::fs::read(models_dir().join("digits-test-labels.bin")).unwrap();
	let n = 24;
	let mut hashes = Vec::new();
	for image in inputs.chunks(256).take(n) {
		use jsonrpsee::core::client::ClientT;
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
		&api,
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

	// Every request is decided; certified answers are the models' consensus.
	let mut certified = 0;
	let mut correct = 0;
	for i in 0..n as u128 {
		let cert = wait_for("a decision", Duration::from_secs(60), || async {
			let c = chain::runtime_call(
				&api,
				"InferenceApi",
				"certificate",
				vec![Value::u128(first + i)],
			)
			.await?;
			let text = c.to_string();
			Ok((!text.contains("Pending")).then_some(c))
		})
		.await
		.unwrap();
		let text = cert.to_string();
		if text.contains("Certified") {
			certified += 1;
			let label = labels[i as usize];
			if text.contains(&format!("Label ({label})")) {
				correct += 1;
			}
			let agreed = cert.at(0).and_then(|c| c.at("agreed")).unwrap().to_string();
			assert!(agreed.matches(',').count() >= 2, "at least three members agreed: {agreed}");
		}
	}
	// Four models of 96-97% accuracy agree on nearly every digit.
	assert!(certified >= n - 2, "{certified} of {n} certified");
	assert!(correct >= certified - 2, "{correct} of {certified} certified answers are right");
	for w in &workers {
		assert!(w.log().contains("loaded version 1"), "{}", w.log());
	}
}
