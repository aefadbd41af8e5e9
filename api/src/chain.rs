//! A connection to a node, as every off-chain part uses it.
//!
//! - Connecting retries while the node starts ([`Chain::connect`]).
//! - Reads are typed: the registry's records ([`Chain::group`],
//!   [`Chain::model`], ...) and the inference runtime API ([`Chain::batch`],
//!   [`Chain::pending_batches`], ...), at the finalized block or at a block
//!   given by hash.
//! - [`Chain::send`] signs a generated call with the next nonce of its key
//!   and returns once the pool took it; [`Pending::included`] and
//!   [`Pending::finalized`] wait for it and return its events, or the chain's
//!   error by name (`Inference::RevealMismatch`). The nonce is the pool's
//!   (`system_accountNextIndex`) or, when higher, the one after this
//!   connection's last send with the key: the pool's count can lag a
//!   transaction submitted just before a new best block, and two sends would
//!   then share a nonce. A transaction the pool drops resets that memory.
//! - What a block did with its transactions (its extrinsics' hashes and its
//!   events) is read once per block and connection, however many of this
//!   process's transactions it holds ([`Conn::block_outcome`]).

use crate::{
	records, runtime, AccountId, Balance, BatchId, BatchView, BlockNumber, Certificate, GroupId,
	Hash, Keypair, MemberRecord, ModelId, RequestId, VersionNumber,
};
use anyhow::{anyhow, bail, Context, Result};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex, RwLock},
	time::{Duration, Instant},
};
use subxt::{
	client::{OfflineClientAtBlockT, OnlineClientAtBlockImpl},
	config::{polkadot::PolkadotExtrinsicParamsBuilder, RpcConfigFor},
	error::EventsError,
	events::{DecodeAsEvent, Event, Events, Phase},
	rpcs::{
		client::{RawRpcFuture, RawRpcSubscription, RawValue, RpcClientT},
		LegacyRpcMethods, RpcClient,
	},
	transactions::{Payload, TransactionProgress, TransactionStatus},
	OnlineClient, PolkadotConfig,
};

/// Blocks a transaction stays valid for, counted from the finalized block
/// it was signed at (finality may trail the best block by many blocks under
/// faults; the runtime keeps 2,400 block hashes).
const MORTALITY: u64 = 256;

/// How long a node may take to take a transaction into its pool.
const SUBMIT_PATIENCE: Duration = Duration::from_secs(10);

/// subxt's client of the node.
pub type Api = OnlineClient<PolkadotConfig>;
/// The client at one block.
pub type AtBlock =
	subxt::client::ClientAtBlock<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>;

/// A connection to a node, and the nodes to fail over to.
pub struct Chain {
	/// The live connection; replaced whole by [`Chain::reconnect`].
	conn: RwLock<Arc<Conn>>,
	/// The nodes this chain may use, in order of preference.
	urls: Vec<String>,
	/// By account bytes (subxt's account id is not `Hash`).
	next_nonce: Mutex<HashMap<[u8; 32], u64>>,
	/// How many times [`Chain::reconnect`] replaced the connection.
	reconnections: tokio::sync::watch::Sender<u64>,
}

/// One open connection to one node.
struct Conn {
	api: Api,
	legacy: LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>,
	url: String,
	/// The latest blocks' outcomes, newest last ([`Conn::block_outcome`]).
	outcomes: Mutex<std::collections::VecDeque<(Hash, Arc<OutcomeCell>)>>,
}

/// A block's outcome, read by the first transaction that waits for it, or
/// why it could not be read: every transaction waiting meanwhile gets the
/// same answer (a failed read is not tried again by each in turn, each
/// with its own patience, against a node that does not answer).
type OutcomeCell = tokio::sync::OnceCell<std::result::Result<BlockOutcome, String>>;

/// How many blocks' outcomes a connection keeps: the blocks its
/// transactions are waiting on are the newest few.
const OUTCOMES_KEPT: usize = 16;

/// The hashes of a block's extrinsics as `chain_getBlock` gives them (each
/// with its length prefix, as subxt hashes a transaction it sends).
fn extrinsic_hashes(
	extrinsics: &[subxt::rpcs::methods::legacy::Bytes],
) -> impl Iterator<Item = Hash> + '_ {
	extrinsics.iter().map(|e| Hash::from(sp_crypto_hashing::blake2_256(&e.0)))
}

/// What one block did with its extrinsics.
struct BlockOutcome {
	/// Its extrinsics' hashes, in order.
	hashes: Vec<Hash>,
	/// `System::Events` at the block, SCALE-encoded.
	events: Vec<u8>,
	/// Each extrinsic's own events (by its index), SCALE-encoded as a list
	/// of their own, and why an event of the block does not decode, if one
	/// does not ([`split_events`]).
	by_extrinsic: Vec<Vec<u8>>,
	undecodable: Option<String>,
}

/// A block's events divided by the extrinsic that emitted them, in one
/// pass. A SCALE event record carries no length: subxt finds where one
/// ends by walking its fields through the metadata's types, which for a
/// block that orders a few hundred requests (an event each) took a busy
/// worker longer than anything else it did with the chain; a transaction
/// that looked through the whole block for its own events did it twice,
/// and a worker waits on two or three transactions a block.
///
/// `extrinsics` is how many the block has: an event that names another is
/// as bad as one that does not decode (and must not size a list).
fn split_events<C: OfflineClientAtBlockT<PolkadotConfig>>(
	at: &subxt::client::ClientAtBlock<PolkadotConfig, C>,
	bytes: &[u8],
	extrinsics: usize,
) -> (Vec<Vec<u8>>, Option<String>) {
	let events = at.events().from_bytes(bytes.to_vec());
	// Per extrinsic: how many records, and the records (each event's
	// `bytes` are its whole `EventRecord`: phase, event and topics).
	let mut records: Vec<(u32, Vec<u8>)> = Vec::new();
	let mut undecodable = None;
	for event in events.iter() {
		match event {
			Ok(event) => {
				if let Phase::ApplyExtrinsic(index) = event.phase() {
					let index = index as usize;
					if index >= extrinsics {
						undecodable = Some(format!(
							"event {} names extrinsic {index} of {extrinsics}",
							event.index()
						));
						break;
					}
					if records.len() <= index {
						records.resize_with(index + 1, Default::default);
					}
					records[index].0 += 1;
					records[index].1.extend_from_slice(event.bytes());
				}
			}
			Err(e) => {
				undecodable = Some(e.to_string());
				break;
			}
		}
	}
	let by_extrinsic = records
		.into_iter()
		.map(|(count, records)| {
			let mut list = subxt::ext::codec::Encode::encode(&subxt::ext::codec::Compact(count));
			list.extend_from_slice(&records);
			list
		})
		.collect();
	(by_extrinsic, undecodable)
}

/// How long one RPC request (or the start of a subscription) may take. A
/// node cut off by the network never answers, and its connection does not
/// close; without a bound every caller would wait for jsonrpsee's minute.
const REQUEST_PATIENCE: Duration = Duration::from_secs(15);

/// subxt's jsonrpsee client, with [`REQUEST_PATIENCE`] on every request.
struct Patient<C>(C);

fn too_slow(what: &str) -> subxt::rpcs::Error {
	subxt::rpcs::Error::Client(format!("{what}: no answer in {REQUEST_PATIENCE:?}").into())
}

impl<C: RpcClientT> RpcClientT for Patient<C> {
	fn request_raw<'a>(
		&'a self,
		method: &'a str,
		params: Option<Box<RawValue>>,
	) -> RawRpcFuture<'a, Box<RawValue>> {
		Box::pin(async move {
			tokio::time::timeout(REQUEST_PATIENCE, self.0.request_raw(method, params))
				.await
				.map_err(|_| too_slow(method))?
		})
	}

	fn subscribe_raw<'a>(
		&'a self,
		sub: &'a str,
		params: Option<Box<RawValue>>,
		unsub: &'a str,
	) -> RawRpcFuture<'a, RawRpcSubscription> {
		Box::pin(async move {
			tokio::time::timeout(REQUEST_PATIENCE, self.0.subscribe_raw(sub, params, unsub))
				.await
				.map_err(|_| too_slow(sub))?
		})
	}
}

impl Conn {
	async fn open(url: &str) -> Result<Self> {
		let connect = subxt::rpcs::client::jsonrpsee_client(url);
		let client = tokio::time::timeout(REQUEST_PATIENCE, connect)
			.await
			.map_err(|_| too_slow("connecting"))
			.and_then(|c| c)
			.with_context(|| format!("connecting to the node at {url}"))?;
		let rpc = RpcClient::new(Patient(client));
		let api = Api::from_rpc_client(rpc.clone())
			.await
			.with_context(|| format!("reading the chain's metadata from {url}"))?;
		Ok(Self {
			api,
			legacy: LegacyRpcMethods::new(rpc),
			url: url.into(),
			outcomes: Mutex::new(Default::default()),
		})
	}

	/// Block `block`'s extrinsic hashes and events, read from the node once
	/// for every transaction of this process that waits on that block (a
	/// worker has several in one block: its commitments and reveals). Each
	/// subxt `wait_for_success` read the whole body and every event of the
	/// block again, through the archive methods, whose node formats them as
	/// hex a byte at a time: at 400 certified requests a second that was
	/// 4% of the data-plane benchmark's machine in the four nodes alone.
	/// The legacy `chain_getBlock` and `state_getStorage` return the same
	/// bytes, hex-encoded in bulk.
	async fn block_outcome(&self, at: &AtBlock) -> Result<Arc<OutcomeCell>> {
		let block = at.block_hash();
		let cell = {
			let mut outcomes = self.outcomes();
			match outcomes.iter().find(|(hash, _)| *hash == block) {
				Some((_, cell)) => cell.clone(),
				None => {
					let cell = Arc::new(OutcomeCell::new());
					outcomes.push_back((block, cell.clone()));
					if outcomes.len() > OUTCOMES_KEPT {
						outcomes.pop_front();
					}
					cell
				}
			}
		};
		let read = cell
			.get_or_init(|| async {
				let read = async {
					let events_key =
						crate::proven::storage_key(&runtime::storage().system().events(), ())?;
					let (details, events) = tokio::try_join!(
						self.legacy.chain_get_block(Some(block)),
						self.legacy.state_get_storage(&events_key, Some(block)),
					)?;
					let details =
						details.ok_or_else(|| anyhow!("the node has no block {block:?}"))?;
					let hashes: Vec<Hash> = extrinsic_hashes(&details.block.extrinsics).collect();
					let events = events.unwrap_or_default();
					let (by_extrinsic, undecodable) = split_events(at, &events, hashes.len());
					anyhow::Ok(BlockOutcome { hashes, events, by_extrinsic, undecodable })
				};
				read.await.map_err(|e| format!("reading block {block:?}: {e:#}"))
			})
			.await;
		if let Err(e) = read {
			// Those waiting have their answer; a later caller reads again.
			self.outcomes().retain(|(_, kept)| !Arc::ptr_eq(kept, &cell));
			bail!("{e}");
		}
		Ok(cell)
	}

	fn outcomes(
		&self,
	) -> std::sync::MutexGuard<'_, std::collections::VecDeque<(Hash, Arc<OutcomeCell>)>> {
		self.outcomes.lock().unwrap_or_else(|p| p.into_inner())
	}

	/// Extrinsic `hash` in the block of `at`: its events, or the error it
	/// failed with (by the block's metadata). An error when the block cannot
	/// be read, does not hold it, or has an event that does not decode.
	async fn outcome(
		&self,
		at: &AtBlock,
		hash: Hash,
	) -> Result<std::result::Result<Included, Refusal>> {
		let block = at.block_hash();
		let cell = self.block_outcome(at).await?;
		let Some(Ok(outcome)) = cell.get() else { bail!("block {block:?} was not read") };
		let index = outcome
			.hashes
			.iter()
			.position(|h| *h == hash)
			.ok_or_else(|| anyhow!("extrinsic {hash:?} is not in block {block:?}"))?;
		if let Some(e) = &outcome.undecodable {
			// subxt stops at an event it cannot decode: an
			// `ExtrinsicFailed` after it would go unseen.
			bail!("an event of block {block:?} does not decode: {e}");
		}
		// Each transaction gets its own copy of its events and of the
		// block's (subxt's `Events` owns its bytes): memcpys, against a read
		// per transaction. Only its own are decoded, unless it asks for the
		// block's.
		let own = outcome.by_extrinsic.get(index).cloned().unwrap_or_else(|| vec![0]);
		let events = TxEvents {
			index: index as u32,
			events: at.events().from_bytes(own),
			block: at.events().from_bytes(outcome.events.clone()),
		};
		events.outcome(at, block)
	}
}

impl Chain {
	/// Connect to a node's `ws://` endpoint, retrying for up to `patience`
	/// while it starts.
	pub async fn connect(url: &str, patience: Duration) -> Result<Self> {
		Self::connect_any(&[url.to_string()], patience).await
	}

	/// Connect to the first of `urls` that answers, trying them in turn for
	/// up to `patience`; [`Chain::reconnect`] later moves on to the others.
	pub async fn connect_any(urls: &[String], patience: Duration) -> Result<Self> {
		let Some(first) = urls.first() else { bail!("no node URL given") };
		let conn = Self::open_any(urls, first, patience).await?;
		Ok(Self {
			conn: RwLock::new(Arc::new(conn)),
			urls: urls.to_vec(),
			next_nonce: Default::default(),
			reconnections: tokio::sync::watch::Sender::new(0),
		})
	}

	/// Open a connection to one of `urls`, starting with `start` and going
	/// round them, until one answers or `patience` is spent.
	async fn open_any(urls: &[String], start: &str, patience: Duration) -> Result<Conn> {
		let from = urls.iter().position(|u| u == start).unwrap_or(0);
		let started = Instant::now();
		let mut round = urls.iter().cycle().skip(from);
		loop {
			let url = round.next().context("no node URL given")?;
			match Conn::open(url).await {
				Ok(conn) => return Ok(conn),
				Err(e) if started.elapsed() < patience => {
					tracing::info!(target: "dropbear::chain", "node at {url} not ready ({e:#}); trying again");
					tokio::time::sleep(Duration::from_millis(1000 / urls.len().max(1) as u64))
						.await;
				}
				Err(e) => return Err(e),
			}
		}
	}

	/// Connect again after the node stopped answering: to the next of the
	/// URLs this chain was given (the same node when only one was), going
	/// round them for up to `patience`. Returns the URL now in use.
	///
	/// Nonces remembered from sends through the old node are kept: a
	/// transaction the old node took may still reach a block, and a later
	/// one must not take its nonce.
	pub async fn reconnect(&self, patience: Duration) -> Result<String> {
		let current = self.conn().url.clone();
		let from = self.urls.iter().position(|u| *u == current).unwrap_or(0);
		let next = self.urls.get((from + 1) % self.urls.len().max(1)).unwrap_or(&current);
		let conn = Self::open_any(&self.urls, next, patience).await?;
		let url = conn.url.clone();
		if url != current {
			tracing::warn!(target: "dropbear::chain", "node at {current} lost; now using {url}");
		}
		*self.conn.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(conn);
		self.reconnections.send_modify(|n| *n += 1);
		Ok(url)
	}

	/// Changes each time [`Chain::reconnect`] replaces the connection. A
	/// transaction watched through the old connection may be in a block
	/// that watch never reports (its node was cut off): the caller sends it
	/// again, with its nonce, through the new one.
	pub fn reconnections(&self) -> tokio::sync::watch::Receiver<u64> {
		self.reconnections.subscribe()
	}

	fn conn(&self) -> Arc<Conn> {
		self.conn.read().unwrap_or_else(|p| p.into_inner()).clone()
	}

	/// The URL of the node in use now.
	pub fn url(&self) -> String {
		self.conn().url.clone()
	}

	/// The chain's genesis hash (what signed answers name their chain by).
	pub fn genesis_hash(&self) -> [u8; 32] {
		self.conn().api.genesis_hash().0
	}

	/// subxt's client of the node in use now, for what this type does not
	/// wrap (block streams).
	pub fn api(&self) -> Api {
		self.conn().api.clone()
	}

	/// The client at block `at`, or at the finalized head.
	pub async fn at(&self, at: Option<Hash>) -> Result<AtBlock> {
		Ok(match at {
			Some(hash) => self.conn().api.at_block(hash).await?,
			None => self.conn().api.at_current_block().await?,
		})
	}

	/// The client at block number `number` of the finalized chain.
	pub async fn at_number(&self, number: BlockNumber) -> Result<AtBlock> {
		Ok(self.conn().api.at_block(number).await?)
	}

	/// The hash of the node's best block.
	pub async fn best_hash(&self) -> Result<Hash> {
		self.conn().legacy.chain_get_block_hash(None).await?.context("the node has no best block")
	}

	/// The node's best block: its hash, its parent's and its number.
	pub async fn best_block(&self) -> Result<(Hash, Hash, BlockNumber)> {
		let conn = self.conn();
		let hash =
			conn.legacy.chain_get_block_hash(None).await?.context("the node has no best block")?;
		let header = conn
			.legacy
			.chain_get_header(Some(hash))
			.await?
			.with_context(|| format!("the node's best block {hash:?} has no header"))?;
		Ok((hash, header.parent_hash, header.number as BlockNumber))
	}

	/// The number of the node's best block.
	pub async fn best_number(&self) -> Result<BlockNumber> {
		let header = self
			.conn()
			.legacy
			.chain_get_header(None)
			.await?
			.context("the node has no best block")?;
		Ok(header.number as BlockNumber)
	}

	// --- Transactions ---

	/// The next nonce of `account` that the node's pool expects.
	pub async fn pool_nonce(&self, account: &AccountId) -> Result<u64> {
		Ok(self.conn().legacy.system_account_next_index(account).await?)
	}

	/// The nonce of `account` in the state of block `at` (transactions
	/// included up to it).
	pub async fn nonce_at(&self, at: Hash, account: &AccountId) -> Result<u64> {
		Ok(self.conn().api.at_block(at).await?.transactions().account_nonce(account).await?)
	}

	/// The nonce a new transaction of `account` gets.
	pub async fn next_nonce(&self, account: &AccountId) -> Result<u64> {
		let pool = self.pool_nonce(account).await?;
		let known = self.nonces().get(&account.0).copied();
		Ok(pool.max(known.unwrap_or(0)))
	}

	fn nonces(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], u64>> {
		self.next_nonce.lock().unwrap_or_else(|p| p.into_inner())
	}

	/// Sign `call` with `signer` and the next nonce of its key, and submit
	/// it; returns once the pool accepted it. Concurrent sends with one key
	/// must be serialized by the caller.
	pub async fn send<Call: Payload>(&self, signer: &Keypair, call: &Call) -> Result<Pending> {
		let account = crate::account(signer);
		let nonce = self.next_nonce(&account).await?;
		self.send_with_nonce(signer, call, nonce).await
	}

	/// As [`Chain::send`], with the nonce given.
	pub async fn send_with_nonce<Call: Payload>(
		&self,
		signer: &Keypair,
		call: &Call,
		nonce: u64,
	) -> Result<Pending> {
		let what = call_name(call);
		let account = crate::account(signer);
		// Set once the transaction is being handed to the node: before it,
		// a timeout sent nothing either.
		let handing = std::sync::atomic::AtomicBool::new(false);
		let submit = async {
			let conn = self.conn();
			// The blocks it is signed at; an error here sent nothing.
			let (signing, params, from) = async {
				// Signed for the runtime of the best block, which the pool
				// checks it against: after a runtime upgrade the finalized
				// block still names the old spec version for a few blocks,
				// and a transaction signed with it has a bad signature until
				// then. Its lifetime counts from the finalized block, which
				// no reorg can take away.
				let finalized = conn.api.at_current_block().await?;
				// No block up to the finalized one can hold it; any later
				// one, on any branch, may.
				let from = finalized.block_number() + 1;
				let params = PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new()
					.nonce(nonce)
					.mortal_from_unchecked(
						MORTALITY,
						finalized.block_number(),
						finalized.block_hash(),
					)
					.build();
				let signing = match conn.legacy.chain_get_block_hash(None).await? {
					Some(best) if best != finalized.block_hash() => {
						match conn.api.at_block(best).await {
							Ok(at) => at,
							// Gone while read (a losing fork pruned, under
							// load): the finalized block's runtime is the
							// best's but for the blocks after an upgrade.
							// Any other error (the node unreachable) is the
							// caller's to see.
							Err(subxt::error::OnlineClientAtBlockError::BlockHeaderNotFound {
								..
							}) => finalized,
							Err(e) => return Err(e.into()),
						}
					}
					_ => finalized,
				};
				Ok::<_, anyhow::Error>((signing, params, from))
			}
			.await
			.context(NotSubmitted)?;
			handing.store(true, std::sync::atomic::Ordering::Relaxed);
			let progress = signing
				.transactions()
				.sign_and_submit_then_watch(call, signer, params)
				.await
				.with_context(|| format!("submitting {what}"))?;
			Ok::<_, anyhow::Error>((progress, from))
		};
		// A node cut off by the network never answers; the caller may then
		// send again (with the same nonce) through another.
		let (progress, from) =
			tokio::time::timeout(SUBMIT_PATIENCE, submit).await.map_err(|_| {
				let error = anyhow!(
					"submitting {what}: no answer from {} in {SUBMIT_PATIENCE:?}",
					self.url()
				);
				match handing.load(std::sync::atomic::Ordering::Relaxed) {
					true => error,
					false => error.context(NotSubmitted),
				}
			})??;
		let mut nonces = self.nonces();
		let next = nonces.entry(account.0).or_insert(0);
		*next = (*next).max(nonce + 1);
		Ok(Pending { progress, what, account, nonce, conn: self.conn(), from })
	}

	/// [`Chain::send`], then wait until the call is in a best block: its
	/// events, or the chain's error by name.
	pub async fn submit<Call: Payload>(&self, signer: &Keypair, call: &Call) -> Result<Included> {
		let pending = self.send(signer, call).await?;
		self.settle(pending.wait(false).await)
	}

	/// [`Chain::send`], then wait until the call is in a finalized block.
	pub async fn submit_finalized<Call: Payload>(
		&self,
		signer: &Keypair,
		call: &Call,
	) -> Result<Included> {
		let pending = self.send(signer, call).await?;
		self.settle(pending.wait(true).await)
	}

	/// Forget a key's remembered nonce when its transaction never made it
	/// into a block (the pool's count is right again).
	pub fn settle(&self, outcome: Result<Included, NotIncluded>) -> Result<Included> {
		outcome.map_err(|e| {
			if e.dropped {
				self.nonces().remove(&e.account.0);
			}
			e.error
		})
	}

	/// `sudo.sudo(call)` signed by the root key, waiting for finality; fails
	/// with the inner call's error by name when sudo ran it and it failed
	/// (sudo itself succeeds then).
	pub async fn sudo(&self, root: &Keypair, call: runtime::Call) -> Result<Included> {
		let included = self.submit_finalized(root, &runtime::tx().sudo().sudo(call)).await?;
		self.sudid(included).await
	}

	/// `included` if the call under sudo in it succeeded.
	async fn sudid(&self, included: Included) -> Result<Included> {
		let sudid = included
			.events
			.find_first::<runtime::sudo::events::Sudid>()
			.ok_or_else(|| anyhow!("no Sudo.Sudid event"))??;
		if let Err(e) = sudid.sudo_result {
			bail!("the call under sudo failed: {}", self.dispatch_error_name(&e).await);
		}
		Ok(included)
	}

	/// Upgrade the runtime to `code` (`System::set_code` under sudo).
	///
	/// Sent without subxt's check of the call against the live metadata:
	/// that check hashes the whole `RuntimeCall` type under `Sudo::sudo`, so
	/// the chain's current runtime refuses it whenever any pallet's calls
	/// differ from this interface's, which is what an upgrade brings. The
	/// call itself (pallet 0, call `set_code`) encodes alike in every release.
	pub async fn upgrade_runtime(&self, root: &Keypair, code: Vec<u8>) -> Result<Included> {
		let set_code = runtime::Call::System(runtime::system::Call::set_code { code });
		let call = runtime::tx().sudo().sudo(set_code).unvalidated();
		let included = self.submit_finalized(root, &call).await?;
		self.sudid(included).await
	}

	/// `Pallet::Error` for a dispatch error as the runtime's types give it.
	pub async fn dispatch_error_name(
		&self,
		error: &runtime::runtime_types::sp_runtime::DispatchError,
	) -> String {
		match self.conn().api.at_current_block().await {
			Ok(at) => error_name(&at, error),
			Err(_) => format!("{error:?}"),
		}
	}

	/// Search blocks `blocks` (by number, waiting for those not yet made) for
	/// the extrinsic `hash`: in the best chain, or with `finalized` in the
	/// finalized one. Its events if it succeeded, the chain's refusal if it
	/// failed; an error if no block of the range holds it.
	pub async fn search(
		&self,
		hash: Hash,
		blocks: std::ops::Range<u64>,
		finalized: bool,
	) -> Result<std::result::Result<Included, Refusal>> {
		search(&self.conn(), hash, blocks, finalized).await
	}

	// --- The registry (pallet-models) ---

	/// The model a worker key votes for.
	pub async fn worker_model(
		&self,
		at: Option<Hash>,
		worker: &AccountId,
	) -> Result<Option<ModelId>> {
		let addr = runtime::storage().models().workers();
		fetch(&self.at(at).await?, addr, (*worker,)).await
	}

	/// A group's record.
	pub async fn group(&self, at: Option<Hash>, group: GroupId) -> Result<Option<records::Group>> {
		let addr = runtime::storage().models().groups();
		fetch(&self.at(at).await?, addr, (group,)).await
	}

	/// Whether the runtime at `at` (or at the finalized head) keeps the
	/// workers' announced peers (`Models::WorkerPeers`). A chain still on a
	/// runtime from before the registry (spec 100) has none: workers must
	/// then be told their members' peers until it is upgraded.
	pub async fn has_peer_registry(&self, at: Option<Hash>) -> Result<bool> {
		let at = self.at(at).await?;
		Ok(at
			.metadata_ref()
			.pallet_by_name("Models")
			.and_then(|pallet| pallet.storage())
			.and_then(|storage| storage.entry_by_name("WorkerPeers"))
			.is_some())
	}

	/// Whether the runtime of the node's best block takes commitments that
	/// name their batch's requests (`Inference::commit_for_requests`, spec
	/// 103 on). A chain still on an older runtime takes only `commit`, which
	/// names none; a newer one refuses that. Read at the best block, since
	/// a transaction is signed for the best block's runtime.
	pub async fn commits_name_requests(&self) -> Result<bool> {
		let at = self.at(Some(self.best_hash().await?)).await?;
		Ok(at
			.metadata_ref()
			.pallet_by_name("Inference")
			.and_then(|pallet| pallet.call_variant_by_name("commit_for_requests"))
			.is_some())
	}

	/// Where a model's worker is reached over libp2p, as its worker key
	/// announced it (peer id and multiaddrs, as bytes).
	pub async fn worker_peer(
		&self,
		at: Option<Hash>,
		model: ModelId,
	) -> Result<Option<records::WorkerPeer>> {
		let addr = runtime::storage().models().worker_peers();
		fetch(&self.at(at).await?, addr, (model,)).await
	}

	/// A model's record.
	pub async fn model(&self, at: Option<Hash>, model: ModelId) -> Result<Option<records::Model>> {
		let addr = runtime::storage().models().models();
		fetch(&self.at(at).await?, addr, (model,)).await
	}

	/// A version of a model.
	pub async fn version(
		&self,
		at: Option<Hash>,
		model: ModelId,
		version: VersionNumber,
	) -> Result<Option<records::Version>> {
		let addr = runtime::storage().models().versions();
		fetch(&self.at(at).await?, addr, (model, version)).await
	}

	/// An owner's record (bond, unbonding chunks).
	pub async fn owner(
		&self,
		at: Option<Hash>,
		owner: &AccountId,
	) -> Result<Option<records::Owner>> {
		let addr = runtime::storage().models().owners();
		fetch(&self.at(at).await?, addr, (*owner,)).await
	}

	/// Every group, by id.
	pub async fn groups(&self, at: Option<Hash>) -> Result<Vec<(GroupId, records::Group)>> {
		entries(&self.at(at).await?, runtime::storage().models().groups()).await
	}

	/// Every model, by id.
	pub async fn models(&self, at: Option<Hash>) -> Result<Vec<(ModelId, records::Model)>> {
		entries(&self.at(at).await?, runtime::storage().models().models()).await
	}

	// --- Inference (pallet-inference's runtime API) ---

	/// A request's certificate (`Pending` while undecided).
	pub async fn certificate(
		&self,
		at: Option<Hash>,
		request: RequestId,
	) -> Result<Option<Certificate>> {
		let call = runtime::runtime_apis().inference_api().certificate(request);
		Ok(self.at(at).await?.runtime_apis().call(call).await?.map(|c| c.0))
	}

	/// The certificates decided in block `at` (of `group`, or all), in
	/// decision order. Needs the block's state: an archive node for old blocks.
	pub async fn decided_in_block(
		&self,
		at: &AtBlock,
		group: Option<GroupId>,
	) -> Result<Vec<Certificate>> {
		let call = runtime::runtime_apis().inference_api().decided_in_block(group);
		Ok(at.runtime_apis().call(call).await?.into_iter().map(|c| c.0).collect())
	}

	/// A batch with its members, requests, votes and decisions.
	pub async fn batch(&self, at: Option<Hash>, batch: BatchId) -> Result<Option<BatchView>> {
		let call = runtime::runtime_apis().inference_api().batch(batch);
		Ok(self.at(at).await?.runtime_apis().call(call).await?.map(|c| c.0))
	}

	/// A group's batches that still take votes, oldest first.
	pub async fn pending_batches(&self, at: Option<Hash>, group: GroupId) -> Result<Vec<BatchId>> {
		let call = runtime::runtime_apis().inference_api().pending_batches(group);
		Ok(self.at(at).await?.runtime_apis().call(call).await?)
	}

	/// A member's record in a group.
	pub async fn member_record(
		&self,
		at: Option<Hash>,
		group: GroupId,
		model: ModelId,
	) -> Result<MemberRecord> {
		let call = runtime::runtime_apis().inference_api().member_record(group, model);
		Ok(self.at(at).await?.runtime_apis().call(call).await?.0)
	}

	// --- Balances ---

	/// The free and held balance of an account.
	pub async fn balance(&self, at: Option<Hash>, account: &AccountId) -> Result<(u128, u128)> {
		let addr = runtime::storage().system().account();
		let info = self.at(at).await?.storage().fetch(addr, (*account,)).await?.decode()?;
		Ok((info.data.free, info.data.reserved))
	}

	// --- Consensus and the money ledger (read by the end-to-end tests) ---

	/// The session's validators at block `at`.
	pub async fn session_validators(&self, at: Option<Hash>) -> Result<Vec<AccountId>> {
		let addr = runtime::storage().session().validators();
		Ok(self.at(at).await?.storage().fetch(addr, ()).await?.decode()?)
	}

	/// The BABE authorities' public keys for the epoch of block `at`, in
	/// authority index order: a block's BABE pre-digest names its author by
	/// that index.
	pub async fn babe_authorities(&self, at: Option<Hash>) -> Result<Vec<[u8; 32]>> {
		let addr = runtime::storage().babe().authorities();
		let authorities = self.at(at).await?.storage().fetch(addr, ()).await?.decode()?;
		Ok(authorities.0.into_iter().map(|(key, _weight)| key.0).collect())
	}

	/// The total issuance at block `at`: all the money there is.
	pub async fn total_issuance(&self, at: Option<Hash>) -> Result<Balance> {
		let addr = runtime::storage().balances().total_issuance();
		Ok(self.at(at).await?.storage().fetch(addr, ()).await?.decode()?)
	}

	/// Every account with its free and held balance at block `at`.
	pub async fn balances(&self, at: Option<Hash>) -> Result<Vec<(AccountId, (Balance, Balance))>> {
		let accounts = entries(&self.at(at).await?, runtime::storage().system().account()).await?;
		Ok(accounts
			.into_iter()
			.map(|(a, info)| (a, (info.data.free, info.data.reserved)))
			.collect())
	}
}

/// A storage value, decoded, if present.
async fn fetch<Addr: subxt::storage::Address>(
	at: &AtBlock,
	addr: Addr,
	keys: Addr::KeyParts,
) -> Result<Option<Addr::Value>> {
	match at.storage().try_fetch(addr, keys).await? {
		Some(value) => Ok(Some(value.decode()?)),
		None => Ok(None),
	}
}

/// Every entry of a storage map with one key: (key, value).
async fn entries<K, Addr>(at: &AtBlock, addr: Addr) -> Result<Vec<(K, Addr::Value)>>
where
	Addr: subxt::storage::Address<KeyParts = (K,)>,
	K: subxt::ext::scale_decode::IntoVisitor,
	(): subxt::storage::PrefixOf<(K,)>,
{
	let mut iter = at.storage().iter(addr, ()).await?;
	let mut out = Vec::new();
	while let Some(entry) = iter.next().await {
		let entry = entry?;
		let (key,) = entry.key()?.decode()?;
		out.push((key, entry.value().decode()?));
	}
	Ok(out)
}

fn call_name<Call: Payload>(call: &Call) -> String {
	format!("{}.{}", call.pallet_name(), call.call_name())
}

/// An extrinsic the pool accepted.
pub struct Pending {
	progress: TransactionProgress<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>,
	what: String,
	account: AccountId,
	nonce: u64,
	/// The node it was sent to, and the first block that may hold it.
	conn: Arc<Conn>,
	from: u64,
}

/// The pool's word for a transaction it holds already. The fork-aware pool
/// can say it to the one and only submission of a transaction, and then
/// report nothing more although the transaction is in the pool: a block's
/// maintenance imports it from the pool's mempool into a new view between
/// the two steps of `submit_and_watch` (polkadot-sdk pull requests 11419
/// and 12919, open). Seen once in the data-plane benchmark, a `request_batch`
/// among thousands.
const ALREADY_IMPORTED: &str = "already imported";

/// Blocks [`Pending`] searches for a transaction the pool said it already
/// held before it gives up (it is then `lost`, not `dropped`: its nonce
/// stays taken).
const SEARCH_BLOCKS: u64 = 20;

/// An extrinsic in a block, with its events.
pub struct Included {
	pub block: Hash,
	pub events: TxEvents,
}

/// The events of one extrinsic (subxt's `ExtrinsicEvents`, made from a
/// block's events read and divided by extrinsic once for all its
/// extrinsics). Unlike subxt's, an event's `index()` here counts within
/// the extrinsic's own events, not the block's.
pub struct TxEvents {
	index: u32,
	/// Its own events.
	events: Events<PolkadotConfig>,
	/// Its block's.
	block: Events<PolkadotConfig>,
}

impl TxEvents {
	/// Its index in its block.
	pub fn extrinsic_index(&self) -> u32 {
		self.index
	}

	/// Every event of its block.
	pub fn all_events_in_block(&self) -> &Events<PolkadotConfig> {
		&self.block
	}

	/// Its events (and any that do not decode).
	pub fn iter(&self) -> impl Iterator<Item = Result<Event<'_, PolkadotConfig>, EventsError>> {
		self.events.iter().filter(|event| {
			event.as_ref().map_or(true, |e| e.phase() == Phase::ApplyExtrinsic(self.index))
		})
	}

	/// Its events of type `E`, decoded.
	pub fn find<E: DecodeAsEvent>(&self) -> impl Iterator<Item = Result<E, EventsError>> + '_ {
		self.iter().filter_map(|e| e.ok()).filter_map(|e| e.decode_fields_as::<E>())
	}

	/// Its first event of type `E`, decoded.
	pub fn find_first<E: DecodeAsEvent>(&self) -> Option<Result<E, EventsError>> {
		self.find::<E>().next()
	}

	/// Included, or the error its `System::ExtrinsicFailed` event names. An
	/// event that does not decode is an error (the block's others were
	/// checked by [`split_events`]).
	fn outcome(self, at: &AtBlock, block: Hash) -> Result<std::result::Result<Included, Refusal>> {
		use runtime::system::events::ExtrinsicFailed;
		if let Some(Err(e)) = self.iter().find(|e| e.is_err()) {
			bail!("an event of block {block:?} does not decode: {e}");
		}
		Ok(match self.find_first::<ExtrinsicFailed>() {
			Some(Ok(failed)) => Err(Refusal {
				name: error_name(at, &failed.dispatch_error),
				error: pallet_error(at, &failed.dispatch_error),
			}),
			Some(Err(e)) => {
				Err(Refusal { name: format!("undecodable ExtrinsicFailed: {e}"), error: None })
			}
			None => Ok(Included { block, events: self }),
		})
	}
}

/// The context of an error met before a transaction was handed to any node
/// (reading the blocks to sign it at): nothing went out with its nonce. See
/// [`not_submitted`].
#[derive(Debug)]
pub struct NotSubmitted;

impl std::fmt::Display for NotSubmitted {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str("not submitted")
	}
}

/// Whether [`Chain::send_with_nonce`] failed before handing the transaction
/// to a node: its nonce is free for another transaction. (After a timeout or
/// a pool's refusal it may not be: a copy can be in a pool or a block.)
pub fn not_submitted(error: &anyhow::Error) -> bool {
	error.downcast_ref::<NotSubmitted>().is_some()
}

/// Whether `error` came of reading a block the node no longer holds (or
/// never did): a block of a losing fork, pruned when the other was
/// finalized, reached through a stream that lagged behind its node.
pub fn block_gone(error: &anyhow::Error) -> bool {
	error.chain().any(|cause| {
		matches!(
			cause.downcast_ref::<subxt::error::OnlineClientAtBlockError>(),
			Some(subxt::error::OnlineClientAtBlockError::BlockHeaderNotFound { .. })
		)
	})
}

/// Why an extrinsic is not (successfully) in a block.
#[derive(Debug)]
pub struct NotIncluded {
	/// The pool dropped it or found it invalid: its nonce is free again.
	pub dropped: bool,
	/// The node stopped reporting on it (its connection was lost): it was
	/// not refused, and may still reach a block through another node.
	pub lost: bool,
	/// It is in a block, and failed there: the chain's error.
	pub refusal: Option<Refusal>,
	account: AccountId,
	pub error: anyhow::Error,
}

/// The error an extrinsic failed with in a block.
#[derive(Clone, Debug)]
pub struct Refusal {
	/// `Pallet::Error` by the metadata of that block (or the dispatch
	/// error as it came, where it is not a pallet's).
	pub name: String,
	/// The pallet error, typed, to match on: a renamed or removed error
	/// then breaks the build of the code that matches it. `None` where it
	/// is not a pallet error or this build's metadata has no such error.
	pub error: Option<runtime::Error>,
}

impl std::fmt::Display for Refusal {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(&self.name)
	}
}

impl Pending {
	/// Its hash (blake2-256 of the extrinsic's bytes).
	pub fn hash(&self) -> Hash {
		self.progress.extrinsic_hash()
	}

	/// The first block that may hold it (the one after the finalized block
	/// its lifetime counts from).
	pub fn first_block(&self) -> u64 {
		self.from
	}

	/// The nonce it was signed with.
	pub fn nonce(&self) -> u64 {
		self.nonce
	}

	/// The URL of the node it was sent to.
	pub fn node_url(&self) -> &str {
		&self.conn.url
	}

	/// Its outcome in the block `in_block` names, which holds it. A block
	/// that cannot be read is an error, not a refusal: it says nothing of
	/// what the chain did with the transaction.
	fn outcome_in(
		&self,
		in_block: subxt::transactions::TransactionInBlock<
			PolkadotConfig,
			OnlineClientAtBlockImpl<PolkadotConfig>,
		>,
	) -> impl std::future::Future<Output = Result<std::result::Result<Included, Refusal>>> + Send + 'static
	{
		// Owns what it needs: the transaction's progress stream is not `Sync`.
		let conn = self.conn.clone();
		async move {
			let at = in_block.at().await?;
			conn.outcome(&at, in_block.extrinsic_hash()).await
		}
	}

	/// Wait until it is in a best block: its events, or the chain's error
	/// by name. Callers with a [`Chain`] use [`Chain::settle`] on the result
	/// so that a dropped transaction frees its nonce.
	pub async fn included(self) -> Result<Included, NotIncluded> {
		self.wait(false).await
	}

	/// Wait until it is in a finalized block.
	pub async fn finalized(self) -> Result<Included, NotIncluded> {
		self.wait(true).await
	}

	async fn wait(mut self, finalized: bool) -> Result<Included, NotIncluded> {
		let what = self.what.clone();
		let account = self.account;
		let dropped = |error: anyhow::Error| NotIncluded {
			dropped: true,
			lost: false,
			refusal: None,
			account,
			error,
		};
		let refused = |refusal: Refusal| NotIncluded {
			dropped: false,
			lost: false,
			error: anyhow!("{what} failed: {refusal}"),
			refusal: Some(refusal),
			account,
		};
		let lost = |error: anyhow::Error| NotIncluded {
			dropped: false,
			lost: true,
			refusal: None,
			account,
			error,
		};
		while let Some(status) = self.progress.next().await {
			let status = status.map_err(|e| lost(anyhow!("{what}: {e}")))?;
			match status {
				TransactionStatus::InBestBlock(in_block) if !finalized => {
					return self
						.outcome_in(in_block)
						.await
						.map_err(|e| lost(e.context(format!("{what}: reading its block"))))?
						.map_err(refused);
				}
				TransactionStatus::InFinalizedBlock(in_block) => {
					return self
						.outcome_in(in_block)
						.await
						.map_err(|e| lost(e.context(format!("{what}: reading its block"))))?
						.map_err(refused);
				}
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message }
					if message.to_lowercase().contains(ALREADY_IMPORTED) =>
				{
					let (conn, from, hash) = (self.conn, self.from, self.progress.extrinsic_hash());
					return search(&conn, hash, from..from + SEARCH_BLOCKS, finalized)
						.await
						.map_err(|e| {
							lost(anyhow!("{what}: the pool said \"{message}\", and then: {e:#}"))
						})?
						.map_err(refused);
				}
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message } => {
					return Err(dropped(anyhow!("{what} was not included: {message}")))
				}
				_ => {}
			}
		}
		Err(lost(anyhow!("{what}: the node stopped reporting on the transaction")))
	}
}

/// `Pallet::Error` for a dispatch error, by the metadata of block `at`.
fn error_name(at: &AtBlock, error: &runtime::runtime_types::sp_runtime::DispatchError) -> String {
	use runtime::runtime_types::sp_runtime::DispatchError as E;
	let E::Module(module) = error else { return format!("{error:?}") };
	let metadata = at.metadata_ref();
	metadata
		.pallet_by_error_index(module.index)
		.and_then(|p| {
			let variant = p.error_variant_by_index(*module.error.first()?)?;
			Some(format!("{}::{}", p.name(), variant.name))
		})
		.unwrap_or_else(|| format!("{error:?}"))
}

/// [`Chain::search`] on one connection.
async fn search(
	conn: &Conn,
	hash: Hash,
	blocks: std::ops::Range<u64>,
	finalized: bool,
) -> Result<std::result::Result<Included, Refusal>> {
	let mut next = blocks.start;
	while next < blocks.end {
		let head = if finalized {
			conn.api.at_current_block().await?.block_number()
		} else {
			conn.legacy.chain_get_header(None).await?.context("no best block")?.number
		};
		while next <= head && next < blocks.end {
			let Some(block) = conn.legacy.chain_get_block_hash(Some(next.into())).await? else {
				break;
			};
			// The body alone while scanning (a search can cover many blocks,
			// which would push the blocks being waited on out of the cache).
			let body = conn.legacy.chain_get_block(Some(block)).await?;
			let holds = body.is_some_and(|details| {
				extrinsic_hashes(&details.block.extrinsics).any(|h| h == hash)
			});
			if holds {
				return conn.outcome(&conn.api.at_block(block).await?, hash).await;
			}
			next += 1;
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	bail!("not in blocks {} to {}", blocks.start, blocks.end - 1)
}

/// The typed pallet error of a dispatch error, decoded by the metadata of
/// block `at` (variants by name, so a runtime that numbers its errors
/// otherwise still decodes).
fn pallet_error(
	at: &AtBlock,
	error: &runtime::runtime_types::sp_runtime::DispatchError,
) -> Option<runtime::Error> {
	use runtime::runtime_types::sp_runtime::DispatchError as E;
	use subxt::ext::scale_decode::DecodeAsType;
	let E::Module(module) = error else { return None };
	let mut bytes = vec![module.index];
	bytes.extend_from_slice(&module.error);
	let metadata = at.metadata_ref();
	runtime::Error::decode_as_type(
		&mut &bytes[..],
		metadata.outer_enums().error_enum_ty(),
		metadata.types(),
	)
	.ok()
}

/// The request ids of an included `request` / `request_batch`, in order.
pub fn requested_ids(included: &Included) -> Result<Vec<RequestId>> {
	included
		.events
		.find::<runtime::inference::events::Requested>()
		.map(|e| e.map(|e| e.request).map_err(Into::into))
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A block the node does not hold is told from every other error, also
	/// under the context a caller adds.
	#[test]
	fn a_gone_block_is_known_through_context() {
		let gone = subxt::error::OnlineClientAtBlockError::BlockHeaderNotFound {
			block_hash: Hash::repeat_byte(7).into(),
		};
		let error = anyhow::Error::from(gone).context("open batches").context("at #40");
		assert!(block_gone(&error), "{error:#}");
		assert!(!block_gone(&anyhow!("cannot find the block header, said in words")));
		assert!(not_submitted(&anyhow!("no node").context(NotSubmitted)));
		assert!(!not_submitted(&error));
	}

	/// subxt offline, at a block of a runtime with this crate's metadata.
	fn offline_at_block() -> subxt::client::ClientAtBlock<
		PolkadotConfig,
		subxt::client::OfflineClientAtBlockImpl<PolkadotConfig>,
	> {
		let metadata = subxt::Metadata::decode_from(crate::METADATA).unwrap().arc();
		let config = subxt::config::polkadot::PolkadotConfigBuilder::new()
			.use_historic_types(false)
			.set_metadata_for_spec_versions([(1, metadata)])
			.set_spec_version_for_block_ranges([subxt::config::polkadot::SpecVersionForRange {
				block_range: 0..u64::MAX,
				spec_version: 1,
				transaction_version: 1,
			}])
			.build();
		subxt::OfflineClient::new_with_config(config).at_block(7u64).unwrap()
	}

	/// One `EventRecord` as the runtime stores it: phase, event, no topics.
	/// The event is `System::Remarked`, its hash naming the record.
	fn record(phase: Phase, name: u8) -> Vec<u8> {
		use subxt::ext::{codec::Encode, scale_encode::EncodeAsType};
		let metadata = crate::proven::metadata();
		let event = runtime::Event::System(runtime::system::Event::Remarked {
			sender: subxt::utils::AccountId32([1; 32]),
			hash: subxt::utils::H256::repeat_byte(name),
		});
		let mut bytes = phase.encode();
		event
			.encode_as_type_to(metadata.outer_enums().event_enum_ty(), metadata.types(), &mut bytes)
			.unwrap();
		bytes.push(0); // no topics
		bytes
	}

	/// `System::Events`: a SCALE list of records.
	fn list(records: &[&[u8]]) -> Vec<u8> {
		let mut bytes =
			subxt::ext::codec::Encode::encode(&subxt::ext::codec::Compact(records.len() as u32));
		records.iter().for_each(|r| bytes.extend_from_slice(r));
		bytes
	}

	/// What each extrinsic's own events name (the `Remarked` hashes' bytes).
	fn names(
		at: &subxt::client::ClientAtBlock<
			PolkadotConfig,
			impl OfflineClientAtBlockT<PolkadotConfig>,
		>,
		own: &[u8],
	) -> Vec<u8> {
		at.events()
			.from_bytes(own.to_vec())
			.find::<runtime::system::events::Remarked>()
			.map(|e| e.unwrap().hash.0[0])
			.collect()
	}

	/// A block's events go to the extrinsics that emitted them, in order,
	/// each list exactly the records the block holds; the block's own
	/// (initialization, finalization) go to none, and an extrinsic that
	/// emitted none gets an empty list.
	#[test]
	fn a_blocks_events_are_divided_by_extrinsic() {
		let at = offline_at_block();
		let opening = record(Phase::Initialization, 1);
		let (first, second) =
			(record(Phase::ApplyExtrinsic(0), 2), record(Phase::ApplyExtrinsic(0), 3));
		let third = record(Phase::ApplyExtrinsic(2), 4);
		let closing = record(Phase::Finalization, 5);
		let block = list(&[&opening, &first, &second, &third, &closing]);
		let events = at.events().from_bytes(block.clone());
		let decoded = events.iter().collect::<Result<Vec<_>, _>>();
		assert_eq!(decoded.expect("the block's events decode").len(), 5);

		let (by_extrinsic, undecodable) = split_events(&at, &block, 3);
		assert_eq!(undecodable, None);
		assert_eq!(by_extrinsic, vec![list(&[&first, &second]), list(&[]), list(&[&third])]);
		assert_eq!(names(&at, &by_extrinsic[0]), vec![2, 3]);
		assert_eq!(names(&at, &by_extrinsic[2]), vec![4]);

		// Extrinsics after the last with events have no list: a caller
		// reads a missing one as empty.
		let (by_extrinsic, _) = split_events(&at, &list(&[&opening, &first]), 4);
		assert_eq!(by_extrinsic, vec![list(&[&first])]);
	}

	/// Events that do not decode, or that name an extrinsic the block does
	/// not have, make the block's events undecodable, whatever came before.
	#[test]
	fn events_a_block_cannot_have_are_told() {
		let at = offline_at_block();
		let first = record(Phase::ApplyExtrinsic(0), 2);
		let stray = record(Phase::ApplyExtrinsic(3), 3);

		let (_, undecodable) = split_events(&at, &list(&[&first, &stray]), 3);
		assert_eq!(undecodable.as_deref(), Some("event 1 names extrinsic 3 of 3"));

		let (_, undecodable) = split_events(&at, &list(&[&first, &stray[..stray.len() - 1]]), 4);
		assert!(undecodable.is_some(), "a cut record is undecodable");

		let (_, undecodable) = split_events(&at, &list(&[&first, &[0, 0, 0, 0, 0, 0xff, 0]]), 1);
		assert!(undecodable.is_some(), "an unknown pallet's event is undecodable");
	}
}
