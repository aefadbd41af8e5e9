//! Harness for Dropbear's end-to-end tests: real `dropbear-node` processes on
//! 127.0.0.1 with free ports and throw-away base paths, stopped when the test
//! ends (also when it fails, in which case the tail of every node's log is
//! printed, and the whole log of every node and worker still running is kept under
//! `$CARGO_TARGET_DIR/e2e-failed/`, so that the failure can be read after
//! the throw-away directory is gone).
//!
//! The node binary is `$DROPBEAR_NODE`, or the release build next to this test
//! binary (`scripts/test.sh` builds it first).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{anyhow, bail, Context, Result};
use dropbear_api::{Chain, Keypair};
use jsonrpsee::{
	core::client::ClientT,
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use std::{
	collections::HashSet,
	fs,
	future::Future,
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::Mutex,
	time::{Duration, Instant},
};

pub mod chain;
pub mod eth;
pub mod netns;
pub mod workers;

/// The `dropbear-node` binary under test.
pub fn node_binary() -> PathBuf {
	if let Ok(path) = std::env::var("DROPBEAR_NODE") {
		return PathBuf::from(path);
	}
	// target/release/deps/<test> -> target/release/dropbear-node
	let exe = std::env::current_exe().expect("test binary path");
	exe.parent().and_then(Path::parent).expect("target dir").join("dropbear-node")
}

/// The repository's root. Read from the environment `cargo test` sets when
/// it runs a test, not the path compiled in: Cargo can reuse a test binary
/// compiled in another checkout sharing the target directory.
pub fn repo_root() -> std::path::PathBuf {
	let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
		.map(std::path::PathBuf::from)
		.unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
	manifest.join("..")
}

/// How long [`Node::rpc`] waits for a node whose process is still running
/// to open its RPC port: a bound for a hung node, not an expected time.
pub const NODE_START_BOUND: Duration = Duration::from_secs(300);

/// The chain spec at `spec` in raw form, written beside it as
/// `<name>-raw.json`. For a spec whose genesis code is another runtime than
/// the node's own: a node builds a JSON genesis of its own runtime natively
/// (node/src/genesis.rs), but one of another runtime by compiling that
/// runtime's Wasm once more before the client compiles it for itself; from
/// raw storage it compiles it once.
pub fn raw_spec(spec: &Path) -> Result<PathBuf> {
	let stem = spec.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
	let raw = spec.with_file_name(format!("{stem}-raw.json"));
	export_raw(&spec.to_string_lossy(), &raw)?;
	Ok(raw)
}

/// `dropbear-node export-chain-spec --chain <chain> --raw --output <to>`:
/// the spec's genesis storage as the spec's own Wasm runtime builds it.
pub fn export_raw(chain: &str, to: &Path) -> Result<()> {
	let binary = node_binary();
	let out = Command::new(&binary)
		.args(["export-chain-spec", "--chain", chain, "--raw", "--output"])
		.arg(to)
		.output()
		.with_context(|| format!("running {}", binary.display()))?;
	if !out.status.success() {
		bail!(
			"{} export-chain-spec --chain {chain} --raw failed: {}",
			binary.display(),
			String::from_utf8_lossy(&out.stderr)
		);
	}
	Ok(())
}

/// A dev node key from `scripts/dev-node-keys`: (secret hex, peer id).
pub fn dev_node_key(name: &str) -> (String, String) {
	let path = repo_root().join("scripts/dev-node-keys");
	let text = fs::read_to_string(&path).expect("scripts/dev-node-keys is readable");
	text.lines()
		.filter(|l| !l.starts_with('#'))
		.map(|l| l.split_whitespace().collect::<Vec<_>>())
		.find(|f| f.first() == Some(&name))
		.map(|f| (f[1].to_string(), f[2].to_string()))
		.unwrap_or_else(|| panic!("no dev node key named {name}"))
}

/// A dev account's key: `dev_key("Ferdie")` is `//Ferdie`.
pub fn dev_key(name: &str) -> Keypair {
	dropbear_api::keys::signer(&format!("//{name}")).unwrap_or_else(|e| panic!("{name}: {e:#}"))
}

/// The worker key of a demo owner's model: `worker_key("Alice")` is `//Alice-worker`.
pub fn worker_key(owner: &str) -> Keypair {
	dev_key(&format!("{owner}-worker"))
}

/// The ports handed out, the last offset tried, and where the ephemeral
/// range starts (read once).
static PORTS_HANDED_OUT: Mutex<Option<(HashSet<u16>, u32, u16)>> = Mutex::new(None);

/// The lowest port the kernel hands out as the local port of an outgoing
/// connection (Linux's `ip_local_port_range`).
fn ephemeral_low() -> u16 {
	fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
		.ok()
		.and_then(|range| range.split_whitespace().next()?.parse().ok())
		.unwrap_or(32768)
}

/// A TCP port on 127.0.0.1 that nothing listens on now and that this process has
/// not handed out before.
///
/// Ports come from below the kernel's ephemeral range: a port is handed out
/// here well before its process binds it (a worker binds its ports once its
/// node answers; a restarted node binds its old ones again), and a port in
/// the ephemeral range could meanwhile become the local port of one of the
/// many outgoing connections the network makes, so that the bind fails.
/// Each test process starts at its own place in the range. Where the range
/// leaves too little room below it, the kernel picks (port 0).
pub fn free_port() -> u16 {
	const LOWEST: u16 = 10_000;
	let mut state = PORTS_HANDED_OUT.lock().unwrap();
	let (seen, next, high) = state.get_or_insert_with(|| {
		let nanos = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.subsec_nanos())
			.unwrap_or(0);
		(HashSet::new(), std::process::id() ^ nanos, ephemeral_low())
	});
	let high = *high;
	if high < LOWEST + 2_000 {
		loop {
			let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
			if seen.insert(port) {
				return port;
			}
		}
	}
	let span = u32::from(high - LOWEST);
	for _ in 0..span {
		*next = next.wrapping_add(1) % span;
		let port = LOWEST + *next as u16;
		if !seen.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
			seen.insert(port);
			return port;
		}
	}
	panic!("no free port left in {LOWEST}..{high}");
}

/// How to start one node.
#[derive(Clone, Debug)]
pub struct NodeSpec {
	/// Log and directory name.
	pub name: String,
	/// `dev` (`--dev`), `local` (the local chain), or a chain spec file.
	pub chain: String,
	/// Start as a validator with this dev account's keys (`--alice`...).
	pub dev_account: Option<String>,
	/// `--validator` without dev keys (keys come later through RPC).
	pub validator: bool,
	/// Fixed node key (hex secret); random when absent.
	pub node_key: Option<String>,
	/// Multiaddrs of nodes to connect to first.
	pub bootnodes: Vec<String>,
	/// More command-line arguments (`--state-pruning archive-canonical`...).
	pub extra: Vec<String>,
	/// Run inside this network namespace (made by [`netns::Island`]),
	/// reached at its address instead of 127.0.0.1.
	pub island: Option<netns::Place>,
}

impl NodeSpec {
	/// A `--dev` node: Alice validates alone.
	pub fn dev() -> Self {
		NodeSpec {
			name: "dev".into(),
			chain: "dev".into(),
			dev_account: None,
			validator: false,
			node_key: None,
			bootnodes: vec![],
			extra: vec![],
			island: None,
		}
	}

	/// Keep the state and bodies of every finalized block (what an
	/// explorer's indexer reads).
	pub fn archive(mut self) -> Self {
		self.extra.extend(
			["--state-pruning", "archive-canonical", "--blocks-pruning", "archive-canonical"]
				.map(String::from),
		);
		self
	}

	/// A validator of the local chain using a dev account's keys and node key.
	pub fn local_validator(name: &str) -> Self {
		NodeSpec {
			name: name.into(),
			chain: "local".into(),
			dev_account: Some(name.into()),
			validator: true,
			node_key: Some(dev_node_key(name).0),
			bootnodes: vec![],
			extra: vec![],
			island: None,
		}
	}
}

/// A running (or stopped) node with its own directory, ports and log.
pub struct Node {
	pub spec: NodeSpec,
	pub rpc_port: u16,
	pub p2p_port: u16,
	base_path: PathBuf,
	log_path: PathBuf,
	child: Option<Child>,
}

impl Node {
	/// Start a node in a new directory under `root`.
	pub fn start(spec: NodeSpec, root: &Path) -> Result<Node> {
		let base_path = root.join(&spec.name);
		fs::create_dir_all(&base_path)?;
		let log_path = root.join(format!("{}.log", spec.name));
		let mut node = Node {
			rpc_port: free_port(),
			p2p_port: free_port(),
			spec,
			base_path,
			log_path,
			child: None,
		};
		node.launch()?;
		Ok(node)
	}

	fn launch(&mut self) -> Result<()> {
		let mut cmd = match &self.spec.island {
			None => Command::new(node_binary()),
			Some(place) => {
				let mut c = Command::new("ip");
				c.args(["netns", "exec", &place.netns]).arg(node_binary());
				// Reached from the host through the island's own address
				// (which the node's host filter would refuse).
				c.args(["--unsafe-rpc-external", "--rpc-cors", "all"]);
				c
			}
		};
		if self.spec.chain == "dev" {
			cmd.arg("--dev");
		} else {
			cmd.args(["--chain", &self.spec.chain]);
		}
		cmd.arg("--base-path").arg(&self.base_path);
		cmd.args(["--name", &self.spec.name]);
		cmd.args(["--port", &self.p2p_port.to_string()]);
		cmd.args(["--rpc-port", &self.rpc_port.to_string()]);
		cmd.args(["--rpc-methods", "unsafe", "--no-prometheus", "--no-telemetry", "--no-mdns"]);
		cmd.args(["--offchain-worker", "always"]);
		if let Some(account) = &self.spec.dev_account {
			cmd.arg(format!("--{account}"));
		}
		if self.spec.validator {
			cmd.arg("--validator");
		}
		if let Some(key) = &self.spec.node_key {
			cmd.args(["--node-key", key]);
		}
		for boot in &self.spec.bootnodes {
			cmd.args(["--bootnodes", boot]);
		}
		cmd.args(&self.spec.extra);
		let log = fs::OpenOptions::new().create(true).append(true).open(&self.log_path)?;
		cmd.stdout(Stdio::from(log.try_clone()?)).stderr(Stdio::from(log));
		let child = cmd.spawn().with_context(|| format!("starting {:?}", node_binary()))?;
		self.child = Some(child);
		Ok(())
	}

	/// The address other processes reach the node at.
	pub fn ip(&self) -> String {
		self.spec.island.as_ref().map_or("127.0.0.1".into(), |p| p.ip.clone())
	}

	/// The node's WebSocket RPC address.
	pub fn ws_url(&self) -> String {
		format!("ws://{}:{}", self.ip(), self.rpc_port)
	}

	/// This node as a bootnode multiaddr, when it has a fixed node key.
	pub fn multiaddr(&self) -> Option<String> {
		let peer = dev_node_key(self.spec.dev_account.as_deref().unwrap_or(&self.spec.name)).1;
		self.spec
			.node_key
			.as_ref()
			.map(|_| format!("/ip4/{}/tcp/{}/p2p/{peer}", self.ip(), self.p2p_port))
	}

	/// Connect to the node's RPC, retrying while it starts.
	///
	/// A starting node compiles the runtime before it opens its RPC port;
	/// four nodes doing so at once on two cores took 19 s (2026-12-07), and
	/// over a minute when each compiled it three times.
	/// So this waits for as long as the process runs, and fails at once
	/// when it has exited. [`NODE_START_BOUND`] only ends the wait on a
	/// node that hangs.
	pub async fn rpc(&self) -> Result<WsClient> {
		let deadline = Instant::now() + NODE_START_BOUND;
		loop {
			match WsClientBuilder::default().build(self.ws_url()).await {
				Ok(client) => return Ok(client),
				Err(e) if Instant::now() < deadline && self.process_alive() => {
					let _ = e;
					tokio::time::sleep(Duration::from_millis(250)).await;
				}
				Err(e) => bail!(
					"{}: RPC did not come up ({}): {e}; log: {}",
					self.spec.name,
					if self.process_alive() { "still starting" } else { "the process exited" },
					self.log_tail(20)
				),
			}
		}
	}

	/// Connect the typed chain interface once the node's RPC is up.
	pub async fn chain(&self) -> Result<Chain> {
		self.rpc().await?;
		Chain::connect(&self.ws_url(), Duration::from_secs(60)).await.with_context(|| {
			format!("{}: chain connection; log: {}", self.spec.name, self.log_tail(20))
		})
	}

	/// Whether the node's process exists and has not exited (a zombie
	/// not yet reaped counts as exited). Reads `/proc`, so that it needs
	/// no `&mut` to the child.
	fn process_alive(&self) -> bool {
		let Some(child) = &self.child else { return false };
		match fs::read_to_string(format!("/proc/{}/stat", child.id())) {
			// "pid (comm) state ...": the state follows the last ')'.
			Ok(stat) => stat
				.rsplit_once(')')
				.and_then(|(_, rest)| rest.split_whitespace().next())
				.is_some_and(|state| state != "Z" && state != "X"),
			Err(_) => false,
		}
	}

	/// Crash the node (SIGKILL): no chance to flush or say goodbye.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Send SIGTERM without waiting (stop several nodes at once, then
	/// [`Node::stop`] each).
	pub fn terminate(&self) {
		if let Some(child) = &self.child {
			let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
		}
	}

	/// Stop the node the way an operator does (SIGTERM), waiting for it to exit.
	pub fn stop(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
			let deadline = Instant::now() + Duration::from_secs(20);
			while Instant::now() < deadline {
				if let Ok(Some(_)) = child.try_wait() {
					return;
				}
				std::thread::sleep(Duration::from_millis(100));
			}
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Start the node again with the same directory, keys and ports.
	pub fn restart(&mut self) -> Result<()> {
		self.stop();
		self.launch()
	}

	/// Whether the process is still running. An exited one is reaped and
	/// forgotten, so that its process id, free for reuse, is never read again.
	pub fn is_running(&mut self) -> bool {
		match self.child.as_mut().map(|c| c.try_wait()) {
			Some(Ok(None)) => true,
			Some(Ok(Some(_))) => {
				self.child = None;
				false
			}
			_ => false,
		}
	}

	/// The last `n` lines of the node's log.
	pub fn log_tail(&self, n: usize) -> String {
		tail_of(&self.log_path, n)
	}

	/// The whole log so far.
	pub fn log(&self) -> String {
		fs::read_to_string(&self.log_path).unwrap_or_default()
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
		if std::thread::panicking() {
			eprintln!("---- last lines of {} ----\n{}", self.spec.name, self.log_tail(40));
			keep_failed_log(&self.log_path);
		}
	}
}

/// Where a failed test's logs are kept: one folder per failing test under
/// `$CARGO_TARGET_DIR/e2e-failed/` (the system's temporary folder without
/// it), named by the time its first log was kept and the test.
fn failed_logs_dir() -> Option<PathBuf> {
	static DIRS: Mutex<Option<std::collections::HashMap<String, Option<PathBuf>>>> =
		Mutex::new(None);
	let test = std::thread::current().name().unwrap_or("test").replace("::", "-");
	let mut dirs = DIRS.lock().unwrap_or_else(|p| p.into_inner());
	dirs.get_or_insert_with(Default::default)
		.entry(test.clone())
		.or_insert_with(|| {
			let base = std::env::var_os("CARGO_TARGET_DIR")
				.map(PathBuf::from)
				.unwrap_or_else(std::env::temp_dir)
				.join("e2e-failed");
			let stamp = std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map(|d| d.as_secs())
				.unwrap_or(0);
			let dir = base.join(format!("{stamp}-{test}"));
			match fs::create_dir_all(&dir) {
				Ok(()) => {
					eprintln!(
						"---- the logs of this failed test are kept in {} ----",
						dir.display()
					);
					Some(dir)
				}
				Err(e) => {
					eprintln!("---- cannot keep the logs in {}: {e} ----", dir.display());
					None
				}
			}
		})
		.clone()
}

/// The last `n` lines of the file at `path` (empty when it cannot be read).
pub fn tail_of(path: &Path, n: usize) -> String {
	let text = fs::read_to_string(path).unwrap_or_default();
	let lines: Vec<&str> = text.lines().collect();
	lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Copy a log of a failing test where it outlives the test's directory.
pub fn keep_failed_log(log: &Path) {
	static KEPT: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
	let mut kept = KEPT.lock().unwrap_or_else(|p| p.into_inner());
	if !kept.get_or_insert_with(HashSet::new).insert(log.to_path_buf()) {
		return;
	}
	let (Some(dir), Some(name)) = (failed_logs_dir(), log.file_name()) else { return };
	let mut to = dir.join(name);
	for k in 1.. {
		if !to.exists() {
			break;
		}
		to = dir.join(format!("{}.{k}", name.to_string_lossy()));
	}
	if let Err(e) = fs::copy(log, &to) {
		eprintln!("---- cannot keep {}: {e} ----", log.display());
	}
}

/// Several nodes sharing one temporary directory.
pub struct Network {
	pub nodes: Vec<Node>,
	pub dir: tempfile::TempDir,
}

impl Network {
	/// Start the local chain's validators named in `names` (Alice first, the
	/// others booting from her).
	pub fn local(names: &[&str]) -> Result<Network> {
		let dir = tempfile::Builder::new().prefix("dropbear-e2e-").tempdir()?;
		let mut nodes: Vec<Node> = Vec::new();
		for name in names {
			let mut spec = NodeSpec::local_validator(name);
			if let Some(first) = nodes.first() {
				spec.bootnodes = first.multiaddr().into_iter().collect();
			}
			nodes.push(Node::start(spec, dir.path())?);
		}
		Ok(Network { nodes, dir })
	}

	/// Start another node in this network's directory.
	pub fn add(&mut self, spec: NodeSpec) -> Result<&mut Node> {
		self.nodes.push(Node::start(spec, self.dir.path())?);
		Ok(self.nodes.last_mut().expect("just pushed"))
	}

	/// The node named `name`.
	pub fn node(&mut self, name: &str) -> &mut Node {
		self.nodes.iter_mut().find(|n| n.spec.name == name).expect("node in network")
	}

	/// Bootnode addresses of the first node.
	pub fn bootnodes(&self) -> Vec<String> {
		self.nodes.first().and_then(Node::multiaddr).into_iter().collect()
	}
}

/// Poll `check` every half second until it returns `Some`, or fail after
/// `timeout` with `what` in the message.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T>
where
	F: FnMut() -> Fut,
	Fut: Future<Output = Result<Option<T>>>,
{
	let deadline = Instant::now() + timeout;
	let mut last_error = None;
	loop {
		match check().await {
			Ok(Some(v)) => return Ok(v),
			Ok(None) => {}
			Err(e) => last_error = Some(e),
		}
		if Instant::now() >= deadline {
			return Err(anyhow!(
				"timed out after {timeout:?} waiting for {what}{}",
				last_error.map(|e| format!(" (last error: {e:#})")).unwrap_or_default()
			));
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// A block header as the standard `chain_getHeader` returns it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
	pub parent_hash: String,
	#[serde(deserialize_with = "hex_number")]
	pub number: u32,
	pub digest: Digest,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Digest {
	pub logs: Vec<String>,
}

fn hex_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
	let s: String = serde::Deserialize::deserialize(d)?;
	u32::from_str_radix(s.trim_start_matches("0x"), 16).map_err(serde::de::Error::custom)
}

/// The standard Substrate RPC methods the tests read.
pub struct Rpc<'a>(pub &'a WsClient);

impl Rpc<'_> {
	pub async fn header(&self, hash: Option<&str>) -> Result<Header> {
		let header: Option<Header> = self.0.request("chain_getHeader", rpc_params![hash]).await?;
		header.ok_or_else(|| anyhow!("no header for {hash:?}"))
	}

	pub async fn best_number(&self) -> Result<u32> {
		Ok(self.header(None).await?.number)
	}

	pub async fn finalized_hash(&self) -> Result<String> {
		Ok(self.0.request("chain_getFinalizedHead", rpc_params![]).await?)
	}

	/// (number, hash) of the finalized head.
	pub async fn finalized(&self) -> Result<(u32, String)> {
		let hash = self.finalized_hash().await?;
		Ok((self.header(Some(&hash)).await?.number, hash))
	}

	pub async fn block_hash(&self, number: u32) -> Result<Option<String>> {
		Ok(self.0.request("chain_getBlockHash", rpc_params![number]).await?)
	}

	pub async fn peers(&self) -> Result<u64> {
		let health: serde_json::Value = self.0.request("system_health", rpc_params![]).await?;
		health["peers"].as_u64().ok_or_else(|| anyhow!("system_health without peers: {health}"))
	}

	pub async fn local_peer_id(&self) -> Result<String> {
		Ok(self.0.request("system_localPeerId", rpc_params![]).await?)
	}
}

/// Wait until `node`'s finalized head reaches `height`; returns its number.
pub async fn wait_finalized(node: &Node, height: u32, timeout: Duration) -> Result<u32> {
	let client = node.rpc().await?;
	wait_for(&format!("{} to finalize #{height}", node.spec.name), timeout, || async {
		let (n, _) = Rpc(&client).finalized().await?;
		Ok((n >= height).then_some(n))
	})
	.await
}
