//! `dropbear demo`: a client that streams the held-out digits through a
//! group at a steady offered rate and reports what the market delivered:
//! each certified answer as it arrives, then the agreement rate, the accuracy
//! of certified answers against each member model's own accuracy on the same
//! inputs (read from the members' votes on chain), throughput and latency
//! percentiles (request sent to certificate in a best block, and to its
//! finalized block).
//!
//! A group whose input is not an 8x8 digit (the ImageNet-class groups of the
//! GPU benchmarks) gets synthetic inputs of its shape instead: distinct
//! pseudo-random tensors, so every figure but accuracy still holds.

use anyhow::{anyhow, bail, Context, Result};
use dropbear_client::{keys, receipt::Fanout, worker::Workers, Client, Ordered, Outcome, Output};
use dropbear_primitives::{DType, InputSpec};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::{
	collections::{BTreeMap, HashMap},
	ops::Range,
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};

#[derive(clap::Args)]
pub struct Args {
	#[arg(long, default_value_t = 0)]
	group: u32,
	/// The group's workers (ws://HOST:PORT); inputs go to them in turn, and
	/// each gossips its inputs to the other members.
	#[arg(
		long = "worker",
		env = "DROPBEAR_WORKERS",
		value_delimiter = ',',
		required_unless_present = "http"
	)]
	workers: Vec<String>,
	/// The members' workers over the Open Inference Protocol
	/// (http://HOST:PORT, one per member): each input goes to every member
	/// at once in binary over HTTP/2, and nobody gossips it (instead of
	/// --worker).
	#[arg(long = "http", value_delimiter = ',', conflicts_with = "workers")]
	http: Vec<String>,
	/// Inputs in flight to the workers at once.
	#[arg(long, default_value_t = 32)]
	concurrency: usize,
	/// Tasks that make, hash and send inputs, each a share of every
	/// second's inputs and of `--concurrency`. One is the least CPU on a
	/// machine the network shares; more let a client on a many-core machine
	/// offer what one core cannot (an ImageNet image is 150 to 600 KB to
	/// hash and copy once per member).
	#[arg(long, default_value_t = 1)]
	senders: usize,
	/// Synthetic input `i` is made from seed `seed + i`: runs against one
	/// network with different seeds send different inputs (a repeated input
	/// is already held, and gossiped or computed again by nobody).
	#[arg(long, default_value_t = 0)]
	seed: u64,
	/// The folder `scripts/make_models.py` wrote (digits-test.bin, labels);
	/// needed for a digits group only.
	#[arg(long, env = "DROPBEAR_MODELS")]
	models: Option<PathBuf>,
	/// How many requests to send (default: each held-out digit once; more
	/// go round the held-out set again; synthetic inputs: ten seconds' worth).
	#[arg(long)]
	count: Option<usize>,
	/// Requests offered per second (sent as one request_batch per second).
	#[arg(long, default_value_t = 50)]
	rate: usize,
	/// Seconds to wait for the last certificate.
	#[arg(long, default_value_t = 120)]
	timeout: u64,
	/// Also write the figures as JSON here.
	#[arg(long)]
	report: Option<PathBuf>,
	/// Print only the summary, not each certificate.
	#[arg(long)]
	quiet: bool,
}

/// Input bytes of one digit: 64 little-endian f32.
const DIGIT_BYTES: usize = 256;
/// Hashes per `request_batch`: the runtime's `MaxRequestsPerCall`.
const MAX_PER_CALL: usize = 1024;
/// A certificate not delivered by the subscription this long after its
/// request is polled for by id, at most `POLL_MAX` every 3 s. An id whose
/// certificate is not this client's for that input was moved by a reorg:
/// its order is found again in the best chain by the extrinsic's hash.
const POLL_AFTER: Duration = Duration::from_secs(20);
const POLL_MAX: usize = 64;
const SEARCH_EVERY: Duration = Duration::from_secs(10);

/// What the chain decided for one request, as the client saw it.
struct Decided {
	outcome: Outcome,
	/// Blocks from the request's block to the deciding one.
	blocks: u32,
	/// Request sent to certificate seen.
	latency: Duration,
	/// The block that decided it.
	block: u32,
	batch: u64,
	index: u32,
}

/// Requests the sender ordered in one `request_batch`.
struct Sent {
	start: usize,
	hashes: Vec<[u8; 32]>,
	at: Instant,
	pending: dropbear_client::Pending,
}

/// What the demo sends: the held-out digits with their labels, or synthetic
/// tensors of a group's input shape (no labels).
enum Inputs {
	Digits {
		images: Vec<u8>,
		count: usize,
	},
	/// Input `i` made from seed `seed + i`.
	Synthetic {
		spec: InputSpec,
		bytes: usize,
		seed: u64,
	},
}

impl Inputs {
	/// The size of every input.
	fn bytes(&self) -> usize {
		match self {
			Inputs::Digits { .. } => DIGIT_BYTES,
			Inputs::Synthetic { bytes, .. } => *bytes,
		}
	}

	/// Input `i` of the stream (the held-out set repeats).
	fn get(&self, i: usize) -> Vec<u8> {
		match self {
			Inputs::Digits { images, count } => {
				let d = i % count;
				images[d * DIGIT_BYTES..(d + 1) * DIGIT_BYTES].to_vec()
			}
			Inputs::Synthetic { spec, bytes, seed } => {
				synthetic(spec, *bytes, seed.wrapping_add(i as u64))
			}
		}
	}
}

/// How inputs reach the group.
enum Door {
	/// To one worker each, in turn, over JSON-RPC; it gossips them on.
	Rpc(Workers),
	/// To every member at once over the Open Inference Protocol.
	Http(Box<Fanout>),
}

impl Door {
	fn describe(&self) -> String {
		match self {
			Door::Rpc(w) => format!("{} workers over JSON-RPC", w.workers.len()),
			Door::Http(f) => {
				format!("the Open Inference Protocol to every member ({})", f.group.members.len())
			}
		}
	}

	/// Hand input `i`, whose hash is `hash`, to the group; its hash.
	async fn submit(&self, i: usize, bytes: &[u8], hash: [u8; 32]) -> Result<[u8; 32]> {
		match self {
			Door::Rpc(workers) => workers.submit_hashed_to(i, bytes, hash).await,
			Door::Http(fanout) => {
				// Only the certificate is waited for: the members' signed
				// answers are not asked for.
				let delivered = fanout.deliver_hashed(bytes, hash, Duration::from_secs(60)).await;
				let by_worker = &delivered.by_worker;
				// A member that did not take the input fetches it from the
				// others at vote time; only when none took it is it lost.
				if let Some(failed) =
					by_worker.iter().find_map(|(url, a)| a.as_ref().err().map(|e| (url, e)))
				{
					if by_worker.iter().all(|(_, a)| a.is_err()) {
						bail!("no member took input {i}: {}: {:#}", failed.0, failed.1);
					}
					tracing::warn!(target: "dropbear::demo", "input {i}: {}: {:#}", failed.0, failed.1);
				}
				Ok(delivered.input_hash)
			}
		}
	}
}

/// A pseudo-random input of `spec` seeded by `seed` (xorshift64*): f32 in
/// [0, 1) or raw bytes, distinct for distinct seeds.
fn synthetic(spec: &InputSpec, bytes: usize, seed: u64) -> Vec<u8> {
	let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
	let mut next = || {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		x.wrapping_mul(0x2545_F491_4F6C_DD1D)
	};
	// Eight bytes at a time into a buffer of the input's size: collecting a
	// `flat_map` byte by byte took longer (perf at 800 offered: 1.5% of the
	// 2-core machine against 0.9%).
	let mut input = Vec::with_capacity(bytes.next_multiple_of(8));
	match spec.dtype {
		DType::F32 => (0..bytes / 4).for_each(|_| {
			input.extend_from_slice(&((next() >> 40) as f32 / (1u64 << 24) as f32).to_le_bytes())
		}),
		// Eight bytes a draw: the demo makes hundreds of 150 KB images a
		// second on the cores the network runs on.
		DType::U8 => {
			(0..bytes.div_ceil(8)).for_each(|_| input.extend_from_slice(&next().to_le_bytes()));
			input.truncate(bytes);
		}
	}
	input
}

/// How many tasks send `inputs` inputs, of the `senders` asked for: no more
/// than inputs, nor than inputs in flight, so that each task may keep at
/// least one in flight and together they keep at most `concurrency`
/// (shares are rounded up, so with few inputs a second the last tasks may
/// get none).
fn sending_tasks(senders: usize, inputs: usize, concurrency: usize) -> usize {
	senders.clamp(1, inputs.min(concurrency).max(1))
}

/// Hand inputs `range` to the group, `concurrency` at a time, made and sent
/// by `senders` tasks (each a contiguous share); their hashes, in order.
async fn hand_over(
	door: &Arc<Door>,
	inputs: &Arc<Inputs>,
	range: Range<usize>,
	concurrency: usize,
	senders: usize,
) -> Result<Vec<[u8; 32]>> {
	let send = |door: Arc<Door>, inputs: Arc<Inputs>, range: Range<usize>, concurrency: usize| async move {
		// Made and hashed four at a time (AVX2's lanes), sent one by one.
		futures::stream::iter(range)
			.chunks(4)
			.map(|chunk| {
				let made: Vec<Vec<u8>> = chunk.iter().map(|i| inputs.get(*i)).collect();
				let hashes = dropbear_client::input_hashes(&made);
				let door = &door;
				futures::stream::iter(chunk.into_iter().zip(made).zip(hashes).map(
					move |((i, bytes), hash)| async move { door.submit(i, &bytes, hash).await },
				))
			})
			.flatten()
			.buffered(concurrency.max(1))
			// The first failure ends this share: no input after it is sent,
			// and none made beyond the four it was made with.
			.try_collect::<Vec<_>>()
			.await
	};
	let concurrency = concurrency.max(1);
	let senders = sending_tasks(senders, range.len(), concurrency);
	if senders == 1 {
		// On the caller's task: no hand-off between threads.
		return send(door.clone(), inputs.clone(), range, concurrency).await;
	}
	let share = range.len().div_ceil(senders);
	let mut tasks = tokio::task::JoinSet::new();
	for k in 0..senders {
		let start = (range.start + k * share).min(range.end);
		let end = (start + share).min(range.end);
		let send = send(door.clone(), inputs.clone(), start..end, concurrency / senders);
		tasks.spawn(async move { (k, send.await) });
	}
	let mut shares: Vec<Option<Vec<[u8; 32]>>> = vec![None; senders];
	// The first failure ends the round; dropping the set aborts the others.
	while let Some(done) = tasks.join_next().await {
		let (k, hashes) = done.map_err(|e| anyhow!("sender task: {e}"))?;
		shares[k] = Some(hashes?);
	}
	Ok(shares.into_iter().flatten().flatten().collect())
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
	if sorted.is_empty() {
		return f64::NAN;
	}
	let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
	sorted[rank.min(sorted.len() - 1)]
}

pub async fn run(client: &Client, key: &str, args: Args) -> Result<()> {
	let signer = keys::signer(key)?;
	let group = client
		.group(args.group)
		.await?
		.ok_or_else(|| anyhow!("group {} does not exist", args.group))?;
	let digits_spec =
		InputSpec { dtype: DType::F32, shape: vec![1, 8, 8].try_into().expect("three dimensions") };
	let (inputs, n, truth) = if group.input.0 == digits_spec {
		let models = args.models.as_ref().ok_or_else(|| {
			anyhow!("a digits group needs --models (the folder make_models.py wrote)")
		})?;
		let images = std::fs::read(models.join("digits-test.bin"))
			.context("held-out digits (run scripts/setup.sh)")?;
		let labels =
			std::fs::read(models.join("digits-test-labels.bin")).context("held-out labels")?;
		let count = labels.len().min(images.len() / DIGIT_BYTES);
		if count == 0 {
			bail!("no held-out digits in {}", models.display());
		}
		let n = args.count.unwrap_or(count);
		// Request i is held-out digit i mod `count`.
		let truth: Vec<u8> = (0..n).map(|i| labels[i % count]).collect();
		(Inputs::Digits { images, count }, n, Some(truth))
	} else {
		let bytes = group
			.input
			.byte_len()
			.map_err(|e| anyhow!("group {}'s input spec is unusable: {e:?}", args.group))?;
		(
			Inputs::Synthetic {
				spec: group.input.0.clone(),
				bytes: bytes as usize,
				seed: args.seed,
			},
			args.count.unwrap_or(args.rate * 10),
			None,
		)
	};
	if n == 0 || args.rate == 0 {
		bail!("nothing to send (count {n}, rate {})", args.rate);
	}
	let mut names = BTreeMap::new();
	for m in &group.members.0 {
		let model =
			client.model(m.model).await?.ok_or_else(|| anyhow!("model {} missing", m.model))?;
		names.insert(m.model, String::from_utf8_lossy(&model.name.0).into_owned());
	}
	let door = Arc::new(if args.http.is_empty() {
		Door::Rpc(Workers::connect(client, args.group, &args.workers).await?)
	} else {
		Door::Http(Box::new(Fanout::connect(client, args.group, &args.http).await?))
	});
	let inputs = Arc::new(inputs);
	let mut certificates = client.subscribe_certificates(Some(args.group), false).await?;
	let mut finalized = client.subscribe_certificates(Some(args.group), true).await?;
	let mut finalized_at: HashMap<u64, Instant> = HashMap::new();
	eprintln!(
		"demo: {n} {} to group {} ({} members, quorum {}, price {}) at {} requests/s through {}{}",
		if truth.is_some() { "held-out digits" } else { "synthetic inputs" },
		args.group,
		group.members.0.len(),
		group.quorum,
		group.price,
		args.rate,
		door.describe(),
		// As the first second's inputs are handed over.
		match sending_tasks(args.senders, args.rate.min(n), args.concurrency) {
			1 => String::new(),
			senders => format!(", {senders} sending tasks"),
		}
	);

	// Which digit each input hash is (identical images share a hash: the
	// first unanswered one takes the certificate).
	let mut by_hash: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
	let mut sent_at: Vec<Option<Instant>> = vec![None; n];
	let mut input_of: Vec<Option<[u8; 32]>> = vec![None; n];
	let me = dropbear_client::account(&signer);
	let started = Instant::now();
	// Request ids, known once each request_batch is in a block, and each
	// request_batch as ordered (by its first digit), to follow across a
	// reorg.
	let mut in_flight = tokio::task::JoinSet::new();
	let mut ids: Vec<Option<u64>> = vec![None; n];
	let mut orders: BTreeMap<usize, Ordered> = BTreeMap::new();
	// Orders a reorg moved and not yet found again, with their last search.
	let mut moved: BTreeMap<usize, Option<Instant>> = BTreeMap::new();
	let mut poll = tokio::time::interval(Duration::from_secs(3));
	let mut results: Vec<Option<Decided>> = (0..n).map(|_| None).collect();
	let mut decided = 0usize;
	let mut pending_certs = Vec::new();
	let deadline = |now: Instant| {
		now.duration_since(started)
			> Duration::from_secs(args.timeout) + Duration::from_secs((n / args.rate) as u64)
	};
	// The sender runs beside the loop that reads certificates, so that a
	// slow send (large inputs) delays no certificate's arrival time. Each
	// second it hands the inputs of `rate` requests to the workers, then
	// orders them, and tells the loop what it sent.
	let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<Sent>();
	let mut sending_done: Option<Instant> = None;
	let sender = async {
		let mut tick = tokio::time::interval(Duration::from_secs(1));
		let mut next = 0usize;
		while next < n {
			tick.tick().await;
			let end = (next + args.rate).min(n);
			// The inputs go to the workers concurrently (one at a time
			// caps what one client can offer at its round trips).
			let hashes =
				hand_over(&door, &inputs, next..end, args.concurrency, args.senders).await?;
			// One request_batch per MAX_PER_CALL hashes.
			for (k, chunk) in hashes.chunks(MAX_PER_CALL).enumerate() {
				let call = dropbear_api::runtime::tx().inference().request_batch(
					args.group,
					chunk.to_vec(),
					group.price,
				);
				let at = Instant::now();
				let pending = client.send(&signer, &call).await?;
				let start = next + k * MAX_PER_CALL;
				let _ = sent_tx.send(Sent { start, hashes: chunk.to_vec(), at, pending });
			}
			next = end;
		}
		Ok::<Instant, anyhow::Error>(Instant::now())
	};
	tokio::pin!(sender);
	while decided < n {
		tokio::select! {
			done = &mut sender, if sending_done.is_none() => {
				sending_done = Some(done?);
			}
			Some(sent) = sent_rx.recv() => {
				for (k, hash) in sent.hashes.iter().enumerate() {
					by_hash.entry(*hash).or_default().push(sent.start + k);
					input_of[sent.start + k] = Some(*hash);
					sent_at[sent.start + k] = Some(sent.at);
				}
				let (start, pending) = (sent.start, sent.pending);
				let order = Ordered {
					requests: sent.hashes.iter().map(|h| (0, *h)).collect(),
					client: me,
					extrinsic: pending.hash(),
					first_block: pending.first_block(),
				};
				in_flight.spawn(async move {
					let included = pending.included().await.map_err(|e| e.error);
					(start, order, included.and_then(|i| dropbear_api::chain::requested_ids(&i)))
				});
			}
			Some(done) = in_flight.join_next() => {
				let (start, mut order, requested) = done.map_err(|e| anyhow!("request task: {e}"))?;
				order.set_ids(requested?)?;
				for (k, (id, _)) in order.requests.iter().enumerate() {
					ids[start + k] = Some(*id);
				}
				orders.insert(start, order);
			}
			// The subscription is the fast path; a poll by id catches any
			// certificate it did not deliver (a few a round, oldest first,
			// so that the poll never holds up the loop).
			_ = poll.tick() => {
				// The order holding digit `i` (orders are contiguous runs
				// of digits keyed by their first).
				let order_of = |i: usize| orders.range(..=i).next_back().map(|(&start, _)| start);
				let overdue = (0..n)
					.filter_map(|i| match (ids[i], &results[i], sent_at[i]) {
						(Some(id), None, Some(t)) if t.elapsed() > POLL_AFTER => Some((i, id)),
						_ => None,
					})
					.filter(|(i, _)| order_of(*i).is_none_or(|start| !moved.contains_key(&start)))
					.take(POLL_MAX)
					.collect::<Vec<_>>();
				for (i, id) in overdue {
					match client.certificate(id).await? {
						Some(cert) if cert.client == me && Some(cert.input_hash) == input_of[i] => {
							if !cert.outcome.is_pending() {
								pending_certs.push(cert);
							}
						}
						// Someone else's request under this id, or none.
						_ => {
							if let Some(start) = order_of(i) {
								moved.entry(start).or_insert(None);
							}
						}
					}
				}
				// Each moved order is searched for at most every
				// SEARCH_EVERY (a search reads every block since the order).
				let due: Vec<usize> = moved
					.iter()
					.filter(|(_, searched)| searched.is_none_or(|t: Instant| t.elapsed() > SEARCH_EVERY))
					.map(|(start, _)| *start)
					.collect();
				for start in due {
					moved.insert(start, Some(Instant::now()));
					let Some(order) = orders.get_mut(&start) else { continue };
					match client.find_again(order).await {
						Ok(Ok(())) => {
							for (k, (id, _)) in order.requests.iter().enumerate() {
								ids[start + k] = Some(*id);
							}
							moved.remove(&start);
						}
						// Back in the pool: looked for again later.
						Ok(Err(_)) => {}
						// Ordered again and failed there: these digits get
						// no certificate (the report counts them undecided).
						Err(e) => {
							eprintln!("demo: the order of digits {start}..{} after a reorg: {e:#}", start + order.requests.len());
							for k in 0..order.requests.len() {
								ids[start + k] = None;
							}
							moved.remove(&start);
						}
					}
				}
			}
			cert = finalized.next() => match cert {
				Some(Ok(cert)) => {
					finalized_at.entry(cert.request).or_insert_with(Instant::now);
				}
				// A subscription the node dropped (this reader fell too far
				// behind) is opened again; what it missed has no finality
				// time (the report counts how many have one).
				_ => {
					eprintln!("demo: the finalized-certificate subscription ended; subscribing again");
					finalized = client.subscribe_certificates(Some(args.group), true).await?;
				}
			},
			cert = certificates.next() => match cert {
				Some(Ok(cert)) => pending_certs.push(cert),
				// The poll by id below finds what the subscription missed.
				_ => {
					eprintln!("demo: the certificate subscription ended; subscribing again");
					certificates = client.subscribe_certificates(Some(args.group), false).await?;
				}
			},
			_ = tokio::time::sleep(Duration::from_secs(1)), if deadline(Instant::now()) => {
				eprintln!("demo: timed out with {decided} of {n} decided");
				break;
			}
		}
		for cert in pending_certs.drain(..) {
			// The subscription is the whole group's: others' requests too.
			if cert.client != me {
				continue;
			}
			// A reorg can order this client's extrinsic again under other
			// ids: an id is a digit's only while the input matches.
			let by_id = ids
				.iter()
				.position(|id| *id == Some(cert.request))
				.filter(|i| input_of[*i] == Some(cert.input_hash));
			let i = match by_id {
				Some(i) if results[i].is_some() => continue,
				Some(i) => {
					if let Some(indices) = by_hash.get_mut(&cert.input_hash) {
						indices.retain(|j| *j != i);
					}
					i
				}
				// Not yet known by id: the first unanswered digit with this input.
				None => {
					let Some(indices) = by_hash.get_mut(&cert.input_hash) else { continue };
					let Some(pos) = indices.iter().position(|i| results[*i].is_none()) else {
						continue;
					};
					indices.remove(pos)
				}
			};
			let latency = sent_at[i].map(|t| t.elapsed()).unwrap_or_default();
			decided += 1;
			if !args.quiet {
				let answer = match &cert.outcome {
					Outcome::Certified(Output::Label(l)) => match &truth {
						Some(truth) => format!(
							"certified {l} (truth {}) {}",
							truth[i],
							if *l == u32::from(truth[i]) { "right" } else { "WRONG" }
						),
						None => format!("certified {l}"),
					},
					other => crate::show::outcome(other),
				};
				println!(
					"[{decided:>4}/{n}] request {:>6}  digit {i:>4}  {answer:<28} agreed {}/{}  {:.2} s",
					cert.request,
					cert.agreed.len(),
					cert.versions.len(),
					latency.as_secs_f64()
				);
			}
			let block = cert.decided_at.unwrap_or(cert.ordered_at);
			results[i] = Some(Decided {
				outcome: cert.outcome.clone(),
				blocks: block.saturating_sub(cert.ordered_at),
				latency,
				block,
				batch: cert.batch,
				index: cert.index,
			});
		}
	}
	let elapsed = started.elapsed();
	// Finality trails the best block by a few blocks: wait for it (30 s at most).
	let requests: Vec<(usize, u64)> = results
		.iter()
		.enumerate()
		.filter_map(|(i, r)| r.as_ref().map(|_| i))
		.filter_map(|i| ids[i].map(|id| (i, id)))
		.collect();
	let finality_deadline = Instant::now() + Duration::from_secs(30);
	while requests.iter().any(|(_, id)| !finalized_at.contains_key(id))
		&& Instant::now() < finality_deadline
	{
		match tokio::time::timeout(Duration::from_secs(1), finalized.next()).await {
			Ok(Some(Ok(cert))) => {
				finalized_at.entry(cert.request).or_insert_with(Instant::now);
			}
			Ok(_) => break,
			Err(_) => {}
		}
	}
	let mut to_finality: Vec<f64> = requests
		.iter()
		.filter_map(|(i, id)| {
			Some(finalized_at.get(id)?.duration_since(sent_at[*i]?).as_secs_f64())
		})
		.collect();
	to_finality.sort_by(|a, b| a.total_cmp(b));

	// The members' own answers, from their votes on chain.
	let mut batches: BTreeMap<u64, dropbear_client::BatchView> = BTreeMap::new();
	for batch in results.iter().flatten().map(|r| r.batch) {
		if let std::collections::btree_map::Entry::Vacant(e) = batches.entry(batch) {
			if let Some(view) = client.batch(batch).await? {
				e.insert(view);
			}
		}
	}
	// Per member model: (right, answered, agreed with the certificate, certified seen).
	let mut member_right: BTreeMap<u32, (usize, usize, usize, usize)> = BTreeMap::new();
	let (mut certified, mut right) = (0usize, 0usize);
	let mut latencies = Vec::new();
	let mut blocks = Vec::new();
	for (i, r) in results.iter().enumerate() {
		let Some(Decided { outcome, blocks: in_blocks, latency, batch, index, .. }) = r else {
			continue;
		};
		latencies.push(latency.as_secs_f64());
		blocks.push(f64::from(*in_blocks));
		let label = truth.as_ref().map(|t| u32::from(t[i]));
		if let Outcome::Certified(answer) = outcome {
			certified += 1;
			right += usize::from(matches!(answer, Output::Label(l) if Some(*l) == label));
		}
		if let Some(view) = batches.get(batch) {
			for (member, votes) in view.members.iter().zip(&view.votes) {
				let entry = member_right.entry(member.model).or_default();
				let vote = votes.as_ref().and_then(|v| v.get(*index as usize));
				if let Some(Output::Label(l)) = vote {
					entry.0 += usize::from(Some(*l) == label);
				}
				entry.1 += 1;
				if let Outcome::Certified(answer) = outcome {
					entry.3 += 1;
					entry.2 += usize::from(vote == Some(answer));
				}
			}
		}
	}
	latencies.sort_by(|a, b| a.total_cmp(b));
	blocks.sort_by(|a, b| a.total_cmp(b));
	// The target: a certificate in a best block within two blocks of the request's.
	let within_two =
		blocks.iter().filter(|b| **b <= 2.0).count() as f64 / blocks.len().max(1) as f64;
	let decided_n = latencies.len();
	let accuracy = right as f64 / certified.max(1) as f64;
	println!();
	println!(
		"demo: {decided_n}/{n} decided, {certified} certified: agreement rate {:.3} (certified / decided)",
		certified as f64 / decided_n.max(1) as f64
	);
	let labelled = truth.is_some();
	if labelled {
		println!("demo: accuracy of certified answers {:.4} ({right}/{certified})", accuracy);
	} else {
		println!("demo: synthetic inputs have no labels: no accuracy figures");
	}
	let mut members = Vec::new();
	for (model, (ok, total, with_cert, cert_seen)) in &member_right {
		let acc = *ok as f64 / (*total).max(1) as f64;
		let agrees = *with_cert as f64 / (*cert_seen).max(1) as f64;
		let name = names.get(model).cloned().unwrap_or_default();
		match labelled {
			true => println!(
				"demo:   model {model} {name:<18} alone: accuracy {acc:.4} ({ok}/{total}); its vote equals the certificate in {agrees:.3}"
			),
			false => println!("demo:   model {model} {name:<18} its vote equals the certificate in {agrees:.3}"),
		}
		members.push(
			json!({"model": model, "name": name, "accuracy": labelled.then_some(acc), "right": ok,
			"total": total, "agrees_with_certificate": agrees}),
		);
	}
	let throughput = certified as f64 / elapsed.as_secs_f64();
	// What the client managed to offer: every input sent and ordered, over
	// the time it took (the first second's tick starts at once).
	let achieved = sending_done
		.map(|t| n as f64 / (t.duration_since(started).as_secs_f64() + 1.0).max(1.0))
		.unwrap_or(f64::NAN);
	// The pipeline's rate once it runs, free of the first request's latency
	// and of the drain after the last (see `steady_rate`).
	let arrivals: Vec<(u32, f64)> = results
		.iter()
		.zip(&sent_at)
		.filter_map(|(r, sent)| {
			let r = r.as_ref()?;
			if !matches!(r.outcome, Outcome::Certified(_)) {
				return None;
			}
			Some((r.block, (sent.as_ref()?.duration_since(started) + r.latency).as_secs_f64()))
		})
		.collect();
	let sustained = steady_rate(&arrivals);
	println!(
		"demo: throughput {throughput:.1} certified requests/s over {:.1} s (offered {} /s, sent {achieved:.1} /s), {sustained:.1}/s steady (from the first certifying block to the last); latency request -> best-block certificate: p50 {:.2} s, p90 {:.2} s, p99 {:.2} s, max {:.2} s",
		elapsed.as_secs_f64(),
		args.rate,
		percentile(&latencies, 50.0),
		percentile(&latencies, 90.0),
		percentile(&latencies, 99.0),
		latencies.last().copied().unwrap_or(f64::NAN)
	);
	println!(
		"demo: latency request -> finalized certificate ({} of {decided_n}): p50 {:.2} s, p90 {:.2} s, p99 {:.2} s",
		to_finality.len(),
		percentile(&to_finality, 50.0),
		percentile(&to_finality, 90.0),
		percentile(&to_finality, 99.0)
	);
	println!(
		"demo: blocks from the request's block to its certificate's: p50 {}, p90 {}, max {}; within 2 blocks: {:.3}",
		percentile(&blocks, 50.0),
		percentile(&blocks, 90.0),
		blocks.last().copied().unwrap_or(f64::NAN),
		within_two
	);
	if let Some(path) = &args.report {
		let report = json!({
			"inputs": n, "decided": decided_n, "certified": certified,
			"agreement_rate": certified as f64 / decided_n.max(1) as f64,
			"certified_accuracy": labelled.then_some(accuracy), "members": members,
			"input_bytes": inputs.bytes(),
			"offered_per_s": args.rate, "seconds": elapsed.as_secs_f64(), "certified_per_s": throughput,
			"sustained_per_s": sustained, "sent_per_s": achieved,
			"latency_s": {"p50": percentile(&latencies, 50.0), "p90": percentile(&latencies, 90.0),
				"p99": percentile(&latencies, 99.0), "max": latencies.last()},
			"finality_latency_s": {"count": to_finality.len(), "p50": percentile(&to_finality, 50.0),
				"p90": percentile(&to_finality, 90.0), "p99": percentile(&to_finality, 99.0)},
			"blocks_to_certificate": {"p50": percentile(&blocks, 50.0), "p90": percentile(&blocks, 90.0),
				"max": blocks.last(), "within_2": within_two},
		});
		std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")?;
	}
	if decided_n < n {
		bail!("{} of {n} requests were not decided in time", n - decided_n);
	}
	Ok(())
}

/// Certificates per second while the pipeline runs, from `(block, seen)`
/// pairs: each certificate's deciding block and when the client saw it.
///
/// Certificates come a block at a time, so the certificates of the blocks
/// after the first one, over the time from the first block's to the last
/// block's (each block seen when its first certificate was): counting the
/// first block too would count one block more than the time holds (8 blocks
/// over 7 intervals: a rate 14% too high).
fn steady_rate(arrivals: &[(u32, f64)]) -> f64 {
	let mut seen: BTreeMap<u32, (usize, f64)> = BTreeMap::new();
	for (block, at) in arrivals {
		let entry = seen.entry(*block).or_insert((0, *at));
		entry.0 += 1;
		entry.1 = entry.1.min(*at);
	}
	let (Some((_, (_, first))), Some((_, (_, last)))) =
		(seen.first_key_value(), seen.last_key_value())
	else {
		return f64::NAN;
	};
	if last <= first {
		return f64::NAN;
	}
	let after_first: usize = seen.values().skip(1).map(|(count, _)| count).sum();
	after_first as f64 / (last - first)
}

#[cfg(test)]
mod tests {
	use super::{sending_tasks, steady_rate};

	#[test]
	fn sending_tasks_are_no_more_than_inputs_or_inputs_in_flight() {
		assert_eq!(sending_tasks(4, 800, 128), 4);
		assert_eq!(sending_tasks(4, 2, 128), 2, "two inputs a second");
		assert_eq!(sending_tasks(4, 800, 3), 3, "three in flight");
		assert_eq!(sending_tasks(0, 800, 128), 1, "at least one");
		assert_eq!(sending_tasks(4, 0, 128), 1, "even for no inputs");
	}

	#[test]
	fn the_steady_rate_counts_blocks_after_the_first_over_the_time_between() {
		// 100 certificates a block, a block every 2 s, seen with some spread.
		let arrivals: Vec<(u32, f64)> = (10..18u32)
			.flat_map(|b| (0..100).map(move |k| (b, f64::from(b) * 2.0 + f64::from(k) * 0.001)))
			.collect();
		let rate = steady_rate(&arrivals);
		assert!((rate - 50.0).abs() < 1e-9, "100 per 2 s block is 50/s, got {rate}");
		// A block seen late by one of its certificates keeps its first sight.
		let mut late = arrivals.clone();
		late.push((17, 60.0));
		assert!((steady_rate(&late) - 701.0 / 14.0).abs() < 1e-9);
		// One block gives no interval.
		assert!(steady_rate(&arrivals[..100]).is_nan());
		assert!(steady_rate(&[]).is_nan());
	}
}
