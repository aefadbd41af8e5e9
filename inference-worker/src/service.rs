//! Starting a worker: everything but following the chain, so that the
//! production binary and the test harness that injects faults start the
//! same way.

use crate::{
	backend::Loader,
	batcher::BatchConfig,
	core::{Core, GroupTerms},
	grpc, members,
	metrics::Metrics,
	oip,
	p2p::{self, P2p},
	rpc,
	tch_backend::{parse_device, torch_info, Precision, Preprocess, RunOptions, TchLoader},
	versions::{ModelFiles, Versions},
	voter::Voter,
};
use anyhow::{bail, Context, Result};
use dropbear_api::{account, keys, Chain};
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

/// Logs to stderr, filtered by `RUST_LOG` (default: info, quieter gossipsub).
pub fn init_tracing() {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| "info,libp2p_gossipsub=warn".into()),
		)
		.init();
}

/// Have glibc's allocator keep freed memory for the next allocation.
///
/// A worker lives on buffers of a few hundred KB (an ImageNet input is
/// 150 KB, and the request body it arrives in a little more). By default glibc
/// serves those from fresh mappings until its adaptive threshold has grown,
/// and hands memory back to the kernel as soon as 128 KB lie free at the top
/// of a heap, so a freed buffer's pages come back zeroed by the kernel at
/// the next fault. Fixed thresholds keep buffers up to 32 MiB in the heaps
/// and keep up to 256 MiB free in them. (The first fill of the input store
/// still touches fresh memory, which no setting avoids: see docs/worker.md.
/// libtorch's batch tensors are larger and are kept by the backend itself.)
pub fn keep_freed_memory() {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	// SAFETY: mallopt only sets allocator parameters; it is called before
	// any other thread exists.
	unsafe {
		libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
		libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
	}
}

/// A started worker.
pub struct Service {
	pub core: Arc<Core>,
	pub voter: Arc<Voter>,
	pub rpc_addr: SocketAddr,
	pub rpc_handle: jsonrpsee::server::ServerHandle,
	/// The Open Inference Protocol's HTTP server.
	pub http_addr: SocketAddr,
	pub http_handle: oip::StopHandle,
	/// ... and its gRPC server.
	pub grpc_addr: SocketAddr,
	pub grpc_handle: oip::StopHandle,
}

/// The worker's options (clap, each with an environment fallback).
#[derive(clap::Args, Debug)]
pub struct Options {
	/// WebSocket URLs of Dropbear nodes, in order of preference: the worker
	/// uses the first that answers and, when that node stops answering,
	/// fails over to the next (going round them).
	#[arg(
		long = "node-url",
		env = "DROPBEAR_NODE_URL",
		value_delimiter = ',',
		default_value = "ws://127.0.0.1:9944"
	)]
	pub node_urls: Vec<String>,
	/// The worker key: a secret URI (`//Alice-worker`, a mnemonic) or a file holding one.
	#[arg(long, env = "DROPBEAR_WORKER_KEY")]
	pub worker_key: Option<String>,
	/// The group this worker's model serves.
	#[arg(long, env = "DROPBEAR_GROUP", default_value_t = 0)]
	pub group: u32,
	/// TorchScript model files; each version on chain is served by the file
	/// whose blake2-256 digest it commits to.
	#[arg(long = "model", env = "DROPBEAR_MODEL", value_delimiter = ',')]
	pub models: Vec<PathBuf>,
	/// A directory of TorchScript files (`*.pt`), looked at again whenever the
	/// chain names weights no known file has: new versions' files dropped
	/// here are served without a restart.
	#[arg(long, env = "DROPBEAR_MODEL_DIR")]
	pub model_dir: Option<PathBuf>,
	/// `cpu`, `cuda`, `cuda:N`, or `auto` (CUDA when available).
	#[arg(long, env = "DROPBEAR_DEVICE", default_value = "auto")]
	pub device: String,
	/// What happens to each batch on the device before the model sees it:
	/// `imagenet` takes u8 images `[3, H, W]` to normalised f32.
	#[arg(long, env = "DROPBEAR_PREPROCESS", value_enum, default_value = "none")]
	pub preprocess: Preprocess,
	/// The precision the model computes in: `fp16` or `bf16` converts its
	/// weights at load and each batch on the device (scores come back as f32).
	#[arg(long, env = "DROPBEAR_PRECISION", value_enum, default_value = "fp32")]
	pub precision: Precision,
	/// Run image models channels-last (NHWC in memory), as cuDNN's
	/// tensor-core convolutions prefer.
	#[arg(long, env = "DROPBEAR_CHANNELS_LAST")]
	pub channels_last: bool,
	/// Threads libtorch computes a batch with on the CPU (its intra-op
	/// threads); 0 keeps libtorch's default, one per core. Workers that share
	/// a machine should split its cores between them: libtorch's OpenMP
	/// threads spin while they wait for work, taking the cores from the
	/// other workers and the nodes.
	#[arg(long, env = "DROPBEAR_TORCH_THREADS", default_value_t = 0)]
	pub torch_threads: usize,
	/// Most inputs per forward pass.
	#[arg(long, env = "DROPBEAR_MAX_BATCH", default_value_t = 64)]
	pub max_batch: usize,
	/// Longest an input waits for its batch to fill, in milliseconds.
	#[arg(long, env = "DROPBEAR_MAX_WAIT_MS", default_value_t = 5)]
	pub max_wait_ms: u64,
	/// Model threads per loaded version, each with its own copy of the model
	/// and, on a GPU, its own CUDA stream (Triton's instance group): while
	/// one runs a batch the next gathers and copies in another. Each copy
	/// takes the model's memory again.
	#[arg(long, env = "DROPBEAR_INSTANCES", default_value_t = 1,
		value_parser = clap::value_parser!(u16).range(1..=16))]
	pub instances: u16,
	/// Nice levels the data plane (the doors that take inputs, libp2p,
	/// hashing and the model threads) runs below the process, whose own
	/// priority the voter keeps: on a machine the worker saturates, it still
	/// follows blocks and sends its votes in time (`priority`).
	#[arg(long, env = "DROPBEAR_DATA_PLANE_NICE", default_value_t = 0,
		value_parser = clap::value_parser!(i32).range(0..=19))]
	pub data_plane_nice: i32,
	/// Inputs queued for the model before new ones are refused as overloaded.
	#[arg(long, env = "DROPBEAR_QUEUE", default_value_t = 8192)]
	pub queue: usize,
	/// Inputs and outputs kept for batches to come.
	#[arg(long, env = "DROPBEAR_CACHE", default_value_t = 65536)]
	pub cache: usize,
	/// libp2p listen address.
	#[arg(long, env = "DROPBEAR_LISTEN", default_value = "/ip4/127.0.0.1/tcp/0")]
	pub listen: String,
	/// Address(es) the other members dial, announced on chain with this
	/// worker's peer id (default: the listen address, as bound).
	#[arg(long = "public-addr", env = "DROPBEAR_PUBLIC_ADDRS", value_delimiter = ',')]
	pub public_addrs: Vec<String>,
	/// Members to connect to while the chain's runtime keeps no announced
	/// peers (a chain not yet upgraded to the peer registry): multiaddrs
	/// ending in /p2p/<peer id>; only these peers are accepted then. Once the
	/// chain keeps peers, this worker announces its own and takes the
	/// members from the chain (these are dropped once every member has
	/// announced).
	#[arg(long = "fallback-peer", env = "DROPBEAR_FALLBACK_PEERS", value_delimiter = ',')]
	pub fallback_peers: Vec<String>,
	/// ed25519 secret (hex) of this worker's libp2p identity; random if absent.
	#[arg(long, env = "DROPBEAR_NODE_KEY")]
	pub node_key: Option<String>,
	/// Directory for what must outlive the process: the ballots committed to
	/// and not yet revealed (so that a restart between a commitment and its
	/// reveal loses no vote). Without it they live in memory only.
	#[arg(long, env = "DROPBEAR_STATE_DIR")]
	pub state_dir: Option<PathBuf>,
	/// JSON-RPC listen address.
	#[arg(long, env = "DROPBEAR_RPC_ADDR", default_value = "127.0.0.1:9955")]
	pub rpc_addr: SocketAddr,
	/// Listen address of the Open Inference Protocol over HTTP (KServe v2,
	/// as Triton serves it; 8000 is Triton's port).
	#[arg(long, env = "DROPBEAR_HTTP_ADDR", default_value = "127.0.0.1:8000")]
	pub http_addr: SocketAddr,
	/// Listen address of the Open Inference Protocol over gRPC
	/// (`inference.GRPCInferenceService`; 8001 is Triton's port).
	#[arg(long, env = "DROPBEAR_GRPC_ADDR", default_value = "127.0.0.1:8001")]
	pub grpc_addr: SocketAddr,
	/// Prometheus listen address (no metrics endpoint if absent).
	#[arg(long, env = "DROPBEAR_METRICS_ADDR")]
	pub metrics_addr: Option<SocketAddr>,
}

/// The worker's two runtimes ([`priority`](crate::priority)): the chain
/// side's, which runs [`start`]'s caller, the voter and the followers of
/// versions and members, at the process's priority; and the data plane's,
/// which serves the doors inputs come in by and libp2p, its threads
/// `data_plane_nice` levels below.
pub struct Runtimes {
	pub chain: tokio::runtime::Runtime,
	pub data_plane: tokio::runtime::Runtime,
}

impl Runtimes {
	pub fn new(data_plane_nice: i32) -> Result<Self> {
		crate::priority::set_data_plane_nice(data_plane_nice)?;
		let data_plane = tokio::runtime::Builder::new_multi_thread()
			.thread_name("data-plane")
			.on_thread_start(crate::priority::enter_data_plane)
			.enable_all()
			.build()
			.context("starting the data plane's runtime")?;
		// Following blocks and sending votes is a few messages a block.
		let chain = tokio::runtime::Builder::new_multi_thread()
			.worker_threads(2)
			.thread_name("chain")
			.enable_all()
			.build()
			.context("starting the chain side's runtime")?;
		Ok(Self { chain, data_plane })
	}

	/// Run `main` on the chain side's runtime, handed the data plane's, and
	/// wait for it; whatever the data plane still holds (connections,
	/// fetches) goes with it.
	pub fn run<T, F>(self, main: impl FnOnce(tokio::runtime::Handle) -> F) -> Result<T>
	where
		F: std::future::Future<Output = Result<T>>,
	{
		let result = self.chain.block_on(main(self.data_plane.handle().clone()));
		self.data_plane.shutdown_background();
		result
	}
}

/// Run `task` on `runtime` and wait for it.
async fn on<T: Send + 'static>(
	runtime: &tokio::runtime::Handle,
	task: impl std::future::Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
	runtime.spawn(task).await.context("a data-plane task stopped")?
}

/// Connect to the chain, load the version serving now (refusing to start
/// without a file of its digest), start libp2p and the servers inputs come
/// in by (JSON-RPC, the Open Inference Protocol over HTTP and gRPC) on
/// `data_plane`; everything else runs on the caller's runtime.
pub async fn start(args: &Options, data_plane: &tokio::runtime::Handle) -> Result<Service> {
	let Some(key) = &args.worker_key else {
		bail!("--worker-key is required (e.g. //Alice-worker)")
	};
	if args.models.is_empty() && args.model_dir.is_none() {
		bail!("at least one --model file or a --model-dir is required");
	}
	let signer = keys::signer(key).context("--worker-key")?;
	let device = parse_device(&args.device)?;
	let files = ModelFiles::new(&args.models, args.model_dir.as_deref())?;
	tracing::info!(target: "worker", "{}; device {device:?}", torch_info());

	let chain = Arc::new(Chain::connect_any(&args.node_urls, Duration::from_secs(60)).await?);
	tracing::info!(target: "worker", "following the chain through {}", chain.url());
	let account = account(&signer);
	let Some(model) = chain.worker_model(None, &account).await? else {
		bail!("worker key {account} is not authorized for any model");
	};
	let Some(model_info) = chain.model(None, model).await? else {
		bail!("model {model} is not registered");
	};
	let served = oip::ServedModel {
		name: String::from_utf8_lossy(&model_info.name.0).into_owned(),
		id: model,
		signer: signer.clone(),
		genesis_hash: chain.genesis_hash(),
	};
	let Some(group) = chain.group(None, args.group).await? else {
		bail!("group {} does not exist", args.group)
	};
	if !group.members.0.iter().any(|m| m.model == model) {
		bail!("model {model} is not a member of group {}", args.group);
	}
	let terms = GroupTerms {
		group: args.group,
		input: group.input.0.clone(),
		policy: group.policy.0,
		classes: group.task.0.classes(),
	};

	let registry = substrate_prometheus_endpoint::Registry::new();
	let metrics = Metrics::register(&registry)?;
	if let Some(addr) = args.metrics_addr {
		tokio::spawn(async move {
			if let Err(e) = substrate_prometheus_endpoint::init_prometheus(addr, registry).await {
				tracing::error!(target: "worker", "metrics endpoint: {e}");
			}
		});
	}
	let core = Core::new(terms, args.cache, metrics);

	let batching = BatchConfig {
		max_batch: args.max_batch,
		max_wait: Duration::from_millis(args.max_wait_ms),
		queue: args.queue,
		instances: usize::from(args.instances),
	};
	let options = RunOptions {
		preprocess: args.preprocess,
		precision: args.precision,
		channels_last: args.channels_last,
	};
	if args.torch_threads > 0 {
		crate::tch_backend::set_cpu_threads(args.torch_threads);
	}
	let loader: Arc<dyn Loader> = Arc::new(TchLoader { device, options });
	let versions = Versions::new(chain.clone(), model, core.clone(), files, loader, batching);
	// Serve nothing until the version serving now is loaded from a file with its digest.
	let at = chain.at(None).await?;
	versions.sync(at.block_hash(), at.block_number() as u32).await?;
	let voter = Voter::new(
		chain.clone(),
		signer.clone(),
		core.clone(),
		versions,
		args.state_dir.as_deref(),
	)
	.await?;
	if core.current() == 0 || !core.has_digest(&core.current_digest()) {
		bail!("no model file matches the digest of model {model}'s current version on chain; refusing to serve");
	}

	let (received_tx, mut received) = tokio::sync::mpsc::channel::<p2p::Received>(4096);
	let listen = args.listen.parse().context("--listen is not a multiaddr")?;
	let public: Vec<libp2p::Multiaddr> = args
		.public_addrs
		.iter()
		.map(|p| p.parse())
		.collect::<Result<_, _>>()
		.context("a --public-addr is not a multiaddr")?;
	let fallback = members::fallback_members(&args.fallback_peers)?;
	let (p2p, addr) = on(
		data_plane,
		P2p::start(
			p2p::node_key(args.node_key.as_deref())?,
			listen,
			args.group,
			core.store.clone(),
			received_tx,
		),
	)
	.await?;
	tracing::info!(target: "worker", "libp2p: {addr}/p2p/{}", p2p.peer_id);
	// The other members find this worker on chain, and it finds them there.
	let public = if public.is_empty() { vec![addr] } else { public };
	let own =
		members::Announcement { signer: signer.clone(), model, peer: p2p.peer_id, addrs: public };
	members::Following::start(
		chain.clone(),
		p2p.clone(),
		args.group,
		own,
		fallback,
		voter.send_lock(),
	)
	.await?
	.spawn();
	core.set_p2p(p2p);
	let gossip_core = core.clone();
	data_plane.spawn(async move {
		while let Some(input) = received.recv().await {
			gossip_core.metrics.received("gossip", input.bytes.len());
			if let Err(e) = gossip_core.accept(input.group, input.bytes, true) {
				tracing::debug!(target: "worker::p2p", "input from {} refused: {e}", input.from);
			}
		}
	});

	let facts = rpc::Facts { model, device: format!("{device:?}"), torch: torch_info() };
	let (rpc_addr, rpc_handle) =
		on(data_plane, rpc::start(args.rpc_addr, core.clone(), facts)).await?;
	tracing::info!(target: "worker", "JSON-RPC on {rpc_addr}; model {model}, group {}", args.group);
	let name = served.name.clone();
	let (http_addr, http_handle) =
		on(data_plane, oip::start(args.http_addr, core.clone(), served.clone()))
			.await
			.with_context(|| format!("--http-addr {}", args.http_addr))?;
	let (grpc_addr, grpc_handle) =
		on(data_plane, grpc::start(args.grpc_addr, core.clone(), served))
			.await
			.with_context(|| format!("--grpc-addr {}", args.grpc_addr))?;
	tracing::info!(target: "worker", "Open Inference Protocol on http://{http_addr}/v2/models/{name} and gRPC {grpc_addr}");

	Ok(Service {
		core,
		voter,
		rpc_addr,
		rpc_handle,
		http_addr,
		http_handle,
		grpc_addr,
		grpc_handle,
	})
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
	let ctrl_c = tokio::signal::ctrl_c();
	#[cfg(unix)]
	{
		let mut term =
			match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
				Ok(s) => s,
				Err(_) => {
					let _ = ctrl_c.await;
					return;
				}
			};
		tokio::select! {
			_ = ctrl_c => {},
			_ = term.recv() => {},
		}
	}
	#[cfg(not(unix))]
	let _ = ctrl_c.await;
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
	use super::*;
	use crate::priority::this_thread_nice;

	#[test]
	fn the_data_plane_runs_below_the_chain_side() {
		let runtimes = Runtimes::new(4).unwrap();
		let chain = runtimes.chain.block_on(async { this_thread_nice().unwrap() });
		let chain_task = runtimes
			.chain
			.block_on(async { tokio::spawn(async { this_thread_nice().unwrap() }).await.unwrap() });
		let data_plane = runtimes
			.data_plane
			.block_on(async { tokio::spawn(async { this_thread_nice().unwrap() }).await.unwrap() });
		// A blocking thread started from a data-plane thread (which it
		// inherits its level from) is not lowered a second time. (First:
		// the pool has no thread yet, so this one is new.)
		let blocking_from_data_plane = runtimes.data_plane.block_on(async {
			tokio::spawn(async {
				tokio::task::spawn_blocking(|| this_thread_nice().unwrap()).await.unwrap()
			})
			.await
			.unwrap()
		});
		let blocking = runtimes.data_plane.block_on(async {
			tokio::task::spawn_blocking(|| this_thread_nice().unwrap()).await.unwrap()
		});
		assert_eq!(chain_task, chain, "the chain side's threads were lowered");
		assert_eq!(data_plane, (chain + 4).min(19), "the data plane's threads were not lowered");
		assert_eq!(blocking, data_plane, "the data plane's blocking threads were not lowered");
		assert_eq!(
			blocking_from_data_plane, data_plane,
			"a blocking thread started by a data-plane thread was lowered twice"
		);
	}
}
