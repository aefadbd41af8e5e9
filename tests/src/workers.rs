//! Workers for the end-to-end tests: real `dropbear-worker` processes (or
//! the fault-injection harness) serving the demo digit models, and the
//! helpers that order their inputs and wait for certificates.

use crate::{dev_key, free_port, node_binary, wait_for, Node};
use dropbear_api::{
	chain::requested_ids,
	runtime,
	worker_rpc::{InputBytes, WorkerApiClient},
	Certificate, Chain, Digest, RequestId,
};
use dropbear_client::Client;
use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::Mutex,
	time::Duration,
};

pub const PRICE: u128 = 10_000_000_000;
pub const NAMES: [&str; 4] = ["Alice", "Bob", "Charlie", "Dave"];

pub fn worker_binary() -> PathBuf {
	node_binary().with_file_name("dropbear-worker")
}

pub fn models_dir() -> PathBuf {
	std::env::var_os("DROPBEAR_MODELS").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/dropbear-models")
	})
}

pub fn manifest() -> serde_json::Value {
	let path = models_dir().join("manifest.json");
	let text = std::fs::read_to_string(&path)
		.unwrap_or_else(|e| panic!("{}: {e}; run scripts/setup.sh", path.display()));
	serde_json::from_str(&text).unwrap()
}

/// The dev chain spec with the demo models' digests replaced by those of the
/// TorchScript files `make_models.py` wrote (model i is DEMO_MODELS[i]).
pub fn spec_with_real_digests(dir: &Path) -> PathBuf {
	chain_spec_with_real_digests(dir, "dev")
}

/// As [`spec_with_real_digests`], for chain `chain` (`dev` or `local`).
pub fn chain_spec_with_real_digests(dir: &Path, chain: &str) -> PathBuf {
	let out =
		Command::new(node_binary()).args(["export-chain-spec", "--chain", chain]).output().unwrap();
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
	let path = dir.join(format!("spec-{chain}.json"));
	std::fs::write(&path, serde_json::to_vec(&spec).unwrap()).unwrap();
	path
}

/// A worker's libp2p identity and port, fixed before it starts so that
/// the others can be told where it is (on a chain whose runtime keeps no
/// announced peers).
pub struct P2pPlan {
	/// The ed25519 secret, hex.
	pub node_key: String,
	pub peer: dropbear_worker::libp2p::PeerId,
	pub port: u16,
}

impl P2pPlan {
	/// A fresh identity and a free port for worker `name`.
	pub fn new(name: &str) -> Self {
		let secret =
			sp_crypto_hashing::blake2_256(format!("dropbear test worker {name}").as_bytes());
		let node_key = hex::encode(secret);
		let peer = dropbear_worker::p2p::node_key(Some(&node_key))
			.expect("a 32-byte secret is an ed25519 key")
			.public()
			.to_peer_id();
		Self { node_key, peer, port: free_port() }
	}

	/// Where the worker is reached, with its peer id.
	pub fn addr(&self) -> String {
		format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", self.port, self.peer)
	}
}

pub struct Worker {
	pub child: Child,
	pub rpc_port: u16,
	pub p2p_port: u16,
	/// The Open Inference Protocol's HTTP port.
	pub http_port: u16,
	/// ... and its gRPC port.
	pub grpc_port: u16,
	pub log: PathBuf,
	name: String,
}

impl Worker {
	pub fn start(dir: &Path, node: &Node, name: &str, model_file: &str) -> Worker {
		Self::start_with(dir, node, name, &[model_file], None, None)
	}

	/// A worker; with `model_dir`, also serving the files that appear there;
	/// with `fault`, the fault-injection harness instead of the production
	/// binary.
	pub fn start_with(
		dir: &Path,
		node: &Node,
		name: &str,
		model_files: &[&str],
		model_dir: Option<&Path>,
		fault: Option<&str>,
	) -> Worker {
		Self::start_on(dir, &[node.ws_url()], name, model_files, model_dir, fault, None, &[])
	}

	/// As [`Worker::start_with`], following the chain through the first of
	/// `node_urls` that answers and failing over to the others; with `p2p`,
	/// on the libp2p identity and port planned for it, told its fallback
	/// members; `extra` arguments go to the worker as they are.
	#[allow(clippy::too_many_arguments)]
	pub fn start_on(
		dir: &Path,
		node_urls: &[String],
		name: &str,
		model_files: &[&str],
		model_dir: Option<&Path>,
		fault: Option<&str>,
		p2p: Option<(&P2pPlan, &[String])>,
		extra: &[&str],
	) -> Worker {
		let rpc_port = free_port();
		let p2p_port = p2p.map(|(plan, _)| plan.port).unwrap_or_else(free_port);
		let (http_port, grpc_port) = (free_port(), free_port());
		// A restarted worker gets a fresh log next to its first one.
		let log = (0..).map(|k| worker_log(dir, name, k)).find(|p| !p.exists()).unwrap();
		let file = std::fs::File::create(&log).unwrap();
		let mut cmd = match fault {
			None => Command::new(worker_binary()),
			Some(fault) => {
				let mut c = Command::new(node_binary().with_file_name("dropbear-faulty-worker"));
				c.args(["--fault", fault]);
				c
			}
		};
		cmd.args(["--node-url", &node_urls.join(",")])
			.args(["--worker-key", &format!("//{name}-worker")])
			.args(["--group", "0", "--device", "cpu", "--max-wait-ms", "2"])
			.args(model_files.iter().flat_map(|f| {
				["--model".to_string(), models_dir().join(f).to_string_lossy().into_owned()]
			}))
			.args(
				model_dir
					.iter()
					.flat_map(|d| ["--model-dir".into(), d.to_string_lossy().into_owned()]),
			)
			// Ballots outlive a restart of the worker.
			.arg("--state-dir")
			.arg(dir.join(format!("worker-state-{name}")))
			.args(["--listen", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
			.args(["--rpc-addr", &format!("127.0.0.1:{rpc_port}")])
			.args(["--http-addr", &format!("127.0.0.1:{http_port}")])
			.args(["--grpc-addr", &format!("127.0.0.1:{grpc_port}")])
			.args(extra);
		if let Some((plan, fallback)) = p2p {
			cmd.args(["--node-key", &plan.node_key]);
			for peer in fallback {
				cmd.args(["--fallback-peer", peer]);
			}
		}
		let child = cmd
			.stdout(Stdio::from(file.try_clone().unwrap()))
			.stderr(Stdio::from(file))
			.spawn()
			.unwrap();
		Worker { child, rpc_port, p2p_port, http_port, grpc_port, log, name: name.to_string() }
	}

	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	/// The last `n` lines of the worker's log.
	pub fn log_tail(&self, n: usize) -> String {
		crate::tail_of(&self.log, n)
	}

	pub fn rpc_url(&self) -> String {
		format!("http://127.0.0.1:{}", self.rpc_port)
	}

	/// The Open Inference Protocol's address, as Triton's clients take it.
	pub fn http_host(&self) -> String {
		format!("127.0.0.1:{}", self.http_port)
	}

	/// The Open Inference Protocol's gRPC address.
	pub fn grpc_host(&self) -> String {
		format!("127.0.0.1:{}", self.grpc_port)
	}
}

/// The log of the `k`th run of worker `name` in `dir` (0: its first).
fn worker_log(dir: &Path, name: &str, k: usize) -> PathBuf {
	dir.join(if k == 0 { format!("worker-{name}.log") } else { format!("worker-{name}-{k}.log") })
}

impl Drop for Worker {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
		if std::thread::panicking() {
			eprintln!("---- last lines of {} ----\n{}", self.log.display(), self.log_tail(30));
			// With the logs of this worker's earlier runs (a restarted
			// worker logs to worker-NAME-K.log beside worker-NAME.log).
			crate::keep_failed_log(&self.log);
			if let Some(dir) = self.log.parent() {
				for k in 0.. {
					let earlier = worker_log(dir, &self.name, k);
					if earlier == self.log || !earlier.exists() {
						break;
					}
					crate::keep_failed_log(&earlier);
				}
			}
		}
	}
}

pub const FILES: [&str; 4] =
	["digits-logreg.pt", "digits-mlp.pt", "digits-cnn-small.pt", "digits-cnn-wide.pt"];

/// The first `n` held-out digits, submitted to `worker` only, then ordered
/// by Ferdie in one call: the first request id, and the labels.
pub async fn order_digits(chain: &Chain, worker: &Worker, n: usize) -> (RequestId, Vec<u8>) {
	let client =
		jsonrpsee::http_client::HttpClientBuilder::default().build(worker.rpc_url()).unwrap();
	let inputs = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let labels = std::fs::read(models_dir().join("digits-test-labels.bin")).unwrap();
	let mut hashes: Vec<Digest> = Vec::new();
	for image in inputs.chunks(256).take(n) {
		let hash = client.submit_input(0, InputBytes(image.to_vec())).await.unwrap();
		hashes.push(hash.0);
	}
	let call = runtime::tx().inference().request_batch(0, hashes, PRICE);
	let included = chain.submit_finalized(&dev_key("Ferdie"), &call).await.unwrap();
	let first = requested_ids(&included).unwrap()[0];
	(first, labels[..n].to_vec())
}

/// Each request's certificate once decided in a finalized block (read
/// through the runtime API).
pub async fn decided(chain: &Chain, first: RequestId, n: usize) -> Vec<Certificate> {
	let mut out = Vec::new();
	for request in first..first + n as u64 {
		let cert = wait_for("a decision", Duration::from_secs(60), || async {
			let c = chain.certificate(None, request).await?;
			Ok(c.filter(|c| !c.outcome.is_pending()))
		})
		.await
		.unwrap();
		out.push(cert);
	}
	out
}

/// Certificates of requests `first..first + n` once decided in a best block
/// (read through the node's `inference_*` RPC).
pub async fn decided_best(client: &Client, first: RequestId, n: usize) -> Vec<Certificate> {
	let mut out = Vec::new();
	for id in first..first + n as u64 {
		out.push(client.wait_certificate(id, Duration::from_secs(90)).await.unwrap());
	}
	out
}

/// Waits until every batch holding one of `certs` has closed (batches close
/// in id order, so the last one is enough) and the block that closed it is
/// finalized: balances and the ledger are read at the finalized head, the
/// batch view at the best block.
pub async fn closed(node: &Node, client: &Client, certs: &[Certificate]) {
	let batch = certs.iter().map(|c| c.batch).max().expect("at least one certificate");
	wait_for("the batches to close", Duration::from_secs(90), || async {
		Ok(client.batch(batch).await?.filter(|b| b.closed).map(|_| ()))
	})
	.await
	.unwrap();
	let rpc = node.rpc().await.unwrap();
	let best = crate::Rpc(&rpc).best_number().await.unwrap();
	crate::wait_finalized(node, best, Duration::from_secs(60)).await.unwrap();
}

/// Waits until the member at `position` of batch `batch` has a vote in it.
pub async fn member_voted(
	client: &Client,
	batch: u64,
	position: usize,
	timeout: Duration,
) -> anyhow::Result<()> {
	wait_for(&format!("member {position}'s vote on batch {batch}"), timeout, || async {
		let view = client.batch(batch).await?.ok_or_else(|| anyhow::anyhow!("no batch {batch}"))?;
		Ok(view.votes.get(position).cloned().flatten().map(|_| ()))
	})
	.await
}

/// Waits until every worker serves with its three peers.
pub async fn all_ready(workers: &[Worker]) {
	for w in workers {
		let client =
			jsonrpsee::http_client::HttpClientBuilder::default().build(w.rpc_url()).unwrap();
		let last = Mutex::new(None);
		wait_for("a worker to serve with its three peers", Duration::from_secs(90), || async {
			let health = client.health().await;
			let ready = health.as_ref().ok().filter(|h| h.ready && h.peers >= 3).map(|_| ());
			*last.lock().unwrap() = Some(health.map_err(|e| e.to_string()));
			Ok(ready)
		})
		.await
		.unwrap_or_else(|e| {
			// The worker's drop prints its log's tail and keeps the log.
			panic!(
				"{e}: the worker logging to {} last answered {:?}",
				w.log.display(),
				last.lock().unwrap()
			)
		});
	}
}
