//! # The web explorer (`dropbear explorer`)
//!
//! For auditors who would rather look than read: certificate history,
//! groups, members and their records, served as plain HTML pages by an axum
//! server, with CSV and JSON export of every list.
//!
//! How the parts fit:
//! - [`index`] follows the node's finalized chain block by block and writes
//!   what each block decided (certificates with their members' versions and
//!   votes, batches opened, fees paid, slashes) into an embedded SQLite file
//!   ([`store`]). History therefore outlives the chain's retention window, a
//!   restart resumes after the last block written, and nothing a reorg can
//!   retract is ever written. It needs the blocks' state: run it against an
//!   archive node (`--state-pruning archive-canonical`).
//! - The same task subscribes to certificates in best blocks: the live feed
//!   shows them marked "best", then "finalized" once the index has them.
//! - [`web`] serves the pages. Pages of indexed history work while the node
//!   is away; live parts (a group's terms, a member's on-chain record, the
//!   proof check) say the node is unreachable and come back with it.
//! - The offline verification on a certificate page trusts a checkpoint: the
//!   authority set given by `--checkpoint`, or else the one the node named
//!   when the index was created (kept in the index: trust on first use).

pub mod html;
pub mod index;
pub mod store;
pub mod web;

use crate::{Certificate, Checkpoint, Client};
use anyhow::{Context, Result};
use std::{
	collections::VecDeque,
	future::IntoFuture,
	net::SocketAddr,
	path::PathBuf,
	sync::{Arc, Mutex, RwLock},
};
use tokio::sync::broadcast;

/// How many feed items the home page starts with.
pub const RECENT: usize = 50;
/// How long open connections may finish after a shutdown signal.
const SHUTDOWN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(3);

/// `dropbear explorer`'s options.
#[derive(Debug, Clone)]
pub struct Options {
	/// The (archive) node to index, `ws://`.
	pub node: String,
	/// Where to serve the pages.
	pub listen: SocketAddr,
	/// The SQLite index file (created if missing).
	pub db: PathBuf,
	/// A trusted checkpoint file (`dropbear checkpoint`) for proof checks.
	pub checkpoint: Option<PathBuf>,
}

/// A certificate in the live feed, as far as it is final.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedItem {
	/// "best" or "finalized".
	pub status: &'static str,
	/// The block that decided it.
	pub block: u32,
	pub certificate: Certificate,
}

/// Where indexing stands, for the pages and `/api/status`.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
	pub node: String,
	pub connected: bool,
	/// The last connection or indexing error, while it lasts.
	pub error: Option<String>,
	pub finalized: Option<u32>,
	pub best: Option<u32>,
	/// The last block in the index.
	pub indexed: Option<u32>,
	/// The block this run of the explorer started indexing after (a restart
	/// resumes where the last run stopped).
	pub resumed_after: Option<u32>,
	pub genesis: Option<String>,
	/// The authority set proofs are checked from, and where it came from.
	pub checkpoint_set: Option<u64>,
	pub checkpoint_source: Option<String>,
}

/// What the indexer and the pages share.
pub struct Shared {
	pub store: Mutex<store::Store>,
	pub status: RwLock<Status>,
	/// The node connection while it is up.
	pub client: RwLock<Option<Arc<Client>>>,
	pub checkpoint: RwLock<Option<Checkpoint>>,
	pub feed: broadcast::Sender<FeedItem>,
	pub recent: Mutex<VecDeque<FeedItem>>,
	/// Set when the explorer shuts down: ends the open live feeds, which
	/// would otherwise hold the server open.
	pub stopping: tokio::sync::watch::Sender<bool>,
}

impl Shared {
	pub fn new(store: store::Store, node: &str) -> Arc<Self> {
		Arc::new(Self {
			store: Mutex::new(store),
			status: RwLock::new(Status { node: node.into(), ..Default::default() }),
			client: RwLock::new(None),
			checkpoint: RwLock::new(None),
			feed: broadcast::channel(1024).0,
			recent: Mutex::new(VecDeque::new()),
			stopping: tokio::sync::watch::channel(false).0,
		})
	}

	pub fn store(&self) -> std::sync::MutexGuard<'_, store::Store> {
		self.store.lock().unwrap_or_else(|p| p.into_inner())
	}

	pub fn status(&self) -> Status {
		self.status.read().unwrap_or_else(|p| p.into_inner()).clone()
	}

	pub fn update_status(&self, f: impl FnOnce(&mut Status)) {
		f(&mut self.status.write().unwrap_or_else(|p| p.into_inner()));
	}

	pub fn client(&self) -> Option<Arc<Client>> {
		self.client.read().unwrap_or_else(|p| p.into_inner()).clone()
	}

	pub fn set_client(&self, client: Option<Arc<Client>>) {
		*self.client.write().unwrap_or_else(|p| p.into_inner()) = client;
	}

	pub fn checkpoint(&self) -> Option<Checkpoint> {
		self.checkpoint.read().unwrap_or_else(|p| p.into_inner()).clone()
	}

	/// Show `item` in the live feed.
	pub fn publish(&self, item: FeedItem) {
		{
			let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
			let request = item.certificate.request;
			// A best item that lost the race with the index is old news.
			if item.status == "best"
				&& recent
					.iter()
					.any(|r| r.certificate.request == request && r.status == "finalized")
			{
				return;
			}
			// A finalized item replaces the best one of the same request.
			recent.retain(|r| r.certificate.request != request);
			recent.push_front(item.clone());
			recent.truncate(RECENT);
		}
		// No subscriber is not an error.
		let _ = self.feed.send(item);
	}
}

/// Ctrl-C or SIGTERM (how scripts stop it).
async fn shutdown() {
	let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {}
		_ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
	}
}

/// Run the explorer until Ctrl-C or SIGTERM.
pub async fn run(options: Options) -> Result<()> {
	let store = store::Store::open(&options.db)?;
	let shared = Shared::new(store, &options.node);
	if let Some(path) = &options.checkpoint {
		let text = std::fs::read_to_string(path)
			.with_context(|| format!("reading the checkpoint {}", path.display()))?;
		let checkpoint: Checkpoint = serde_json::from_str(&text)
			.with_context(|| format!("{} is not a checkpoint", path.display()))?;
		shared.update_status(|s| {
			s.checkpoint_set = Some(checkpoint.set_id);
			s.checkpoint_source = Some(format!("file {}", path.display()));
		});
		*shared.checkpoint.write().unwrap_or_else(|p| p.into_inner()) = Some(checkpoint);
	}
	let listener = tokio::net::TcpListener::bind(options.listen)
		.await
		.with_context(|| format!("listening on {}", options.listen))?;
	println!(
		"explorer: http://{} (index {}, node {})",
		listener.local_addr()?,
		options.db.display(),
		options.node
	);
	let indexer = tokio::spawn(index::run(shared.clone(), options.node.clone()));
	let stopping = shared.stopping.clone();
	let mut stopped = shared.stopping.subscribe();
	let mut server = tokio::spawn(
		axum::serve(listener, web::router(shared))
			.with_graceful_shutdown(async move {
				shutdown().await;
				let _ = stopping.send(true);
			})
			.into_future(),
	);
	// Once shutdown begins, open connections get a little while to finish.
	let served = tokio::select! {
		result = &mut server => Some(result),
		_ = async {
			let _ = stopped.wait_for(|s| *s).await;
			tokio::time::sleep(SHUTDOWN_PATIENCE).await;
		} => None,
	};
	indexer.abort();
	match served {
		Some(result) => result.context("the explorer's server")?.context("serving the explorer"),
		None => {
			server.abort();
			tracing::warn!(
				target: "dropbear::explorer",
				"connections still open {SHUTDOWN_PATIENCE:?} after shutdown began: closed"
			);
			Ok(())
		}
	}
}
