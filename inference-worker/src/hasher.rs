//! Input hashes, several at once.
//!
//! Every member hashes every input it is given (blake2-256: the id a client
//! orders on chain, which the member must check). On a busy CPU worker this
//! was the largest single cost: in the data-plane benchmark at 800 offered
//! (150 KB images, four members on a 2-core machine) the four workers'
//! blake2 took 11 to 12% of the machine. BLAKE2b compresses one input's
//! blocks one after another, but with AVX2 four inputs' blocks go through
//! one set of vector registers at once at about twice the bytes per second
//! of one input alone ([`dropbear_api::input_hashes`]).
//!
//! So the Open Inference Protocol's doors hand their inputs to hashing
//! threads; one takes whatever inputs are waiting when it wakes (up to
//! [`MOST_AT_ONCE`]) and hashes them together. An input that comes alone,
//! [`GATHER_FOR`] or more after the one before it, is hashed at once: a
//! client sending now and then gets its answer with no wait. When inputs
//! come faster than that, a thread that finds fewer than [`LANES`] waits
//! for more until the first has waited [`GATHER_FOR`]: taking only what
//! waited, at 370 inputs a second a worker (the data-plane benchmark at 800
//! offered on the 2-core VM) hashed as many bytes one or two at a time as
//! four at a time. One thread for every four cores (at least one, at most
//! four): one core hashes about 2 GB/s this way, and a GPU member taking
//! 10,000 ImageNet images a second needs 1.5 GB/s, while on a small machine
//! fewer threads batch better.

use dropbear_primitives::Digest;
use inputs::Bytes;
use std::{
	sync::mpsc,
	time::{Duration, Instant},
};
use tokio::sync::oneshot;

use crate::inputs;

/// The most inputs hashed in one call: twice AVX2's four lanes, so that
/// inputs of unequal lengths keep the lanes full.
const MOST_AT_ONCE: usize = 8;

/// AVX2's lanes: four inputs' blocks compressed at once.
const LANES: usize = 4;

/// The longest an input waits for others to fill the lanes, and the gap
/// between inputs below which they count as a stream worth waiting for:
/// the most it adds to an answer's latency, against half the hashing
/// (about 3% of the 2-core VM in the data-plane benchmark).
const GATHER_FOR: Duration = Duration::from_millis(8);

struct Job {
	bytes: Bytes,
	/// When a door handed the input over.
	queued: Instant,
	done: oneshot::Sender<Digest>,
}

/// The hashing threads' inbox. Dropped with the last clone, the threads end.
#[derive(Clone)]
pub struct Hasher {
	jobs: mpsc::Sender<Job>,
}

/// How many hashing threads: one for every four cores, one to four.
fn threads() -> usize {
	std::thread::available_parallelism().map_or(1, |n| n.get() / 4).clamp(1, 4)
}

impl Hasher {
	/// Start the hashing threads.
	pub fn start() -> std::io::Result<Self> {
		let (jobs, inbox) = mpsc::channel::<Job>();
		let inbox = std::sync::Arc::new(std::sync::Mutex::new(inbox));
		for i in 0..threads() {
			let inbox = inbox.clone();
			std::thread::Builder::new().name(format!("input-hash-{i}")).spawn(move || {
				crate::priority::enter_data_plane();
				hash_what_waits(&inbox)
			})?;
		}
		Ok(Self { jobs })
	}

	/// The hashes of `inputs`, in order: by the hashing threads, or here if
	/// they are gone.
	pub async fn hashes(&self, inputs: &[Bytes]) -> Vec<Digest> {
		let mut waiting = Vec::with_capacity(inputs.len());
		for bytes in inputs {
			let (done, hash) = oneshot::channel();
			let job = Job { bytes: bytes.clone(), queued: Instant::now(), done };
			let sent = self.jobs.send(job).is_ok();
			waiting.push(sent.then_some(hash));
		}
		let mut hashes = Vec::with_capacity(inputs.len());
		for (bytes, hash) in inputs.iter().zip(waiting) {
			let hash = match hash {
				Some(hash) => hash.await.ok(),
				None => None,
			};
			hashes.push(hash.unwrap_or_else(|| inputs::input_hash(bytes)));
		}
		hashes
	}
}

/// Whether an input handed over `gap` after the one before it comes in a
/// stream, where waiting for more fills the lanes soon.
fn in_a_stream(gap: Option<Duration>) -> bool {
	gap.is_some_and(|gap| gap < GATHER_FOR)
}

/// A hashing thread: until every sender is gone, take the inputs waiting
/// (one at least), and in a stream wait for more to fill the lanes; hash
/// them together.
fn hash_what_waits(inbox: &std::sync::Mutex<mpsc::Receiver<Job>>) {
	let mut batch: Vec<Job> = Vec::with_capacity(MOST_AT_ONCE);
	let mut last_queued: Option<Instant> = None;
	loop {
		{
			// One thread waits on the inbox at a time; the others wait here.
			let inbox = inbox.lock().unwrap_or_else(|p| p.into_inner());
			let Ok(first) = inbox.recv() else { return };
			let gap = last_queued.map(|last| first.queued.saturating_duration_since(last));
			let until = first.queued + GATHER_FOR;
			batch.push(first);
			while batch.len() < MOST_AT_ONCE {
				match inbox.try_recv() {
					Ok(job) => batch.push(job),
					Err(_) => break,
				}
			}
			if in_a_stream(gap) {
				while batch.len() < LANES {
					let left = until.saturating_duration_since(Instant::now());
					match inbox.recv_timeout(left) {
						Ok(job) => batch.push(job),
						Err(_) => break,
					}
				}
			}
			last_queued = batch.last().map(|job| job.queued);
		}
		let inputs: Vec<&[u8]> = batch.iter().map(|job| &job.bytes[..]).collect();
		let digests = dropbear_api::input_hashes(&inputs);
		drop(inputs);
		for (job, digest) in batch.drain(..).zip(digests) {
			// A door that stopped waiting (its client gone) is no loss.
			let _ = job.done.send(digest);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The first input, and one after a pause, go at once; inputs that
	/// follow one another closely wait for company.
	#[test]
	fn only_inputs_in_a_stream_wait() {
		assert!(!in_a_stream(None), "the first input");
		assert!(!in_a_stream(Some(GATHER_FOR)), "an input after a pause");
		assert!(!in_a_stream(Some(Duration::from_secs(1))));
		assert!(in_a_stream(Some(GATHER_FOR / 4)));
		assert!(in_a_stream(Some(Duration::ZERO)));
	}

	/// Hashed together or alone, inputs of any length get the hash the chain
	/// names them by.
	#[tokio::test]
	async fn inputs_hashed_together_get_the_chains_hash() {
		let hasher = Hasher::start().unwrap();
		let inputs: Vec<Bytes> = (0..19usize)
			.map(|i| Bytes::from((0..i * 9_001).map(|b| (b * 31 + i) as u8).collect::<Vec<_>>()))
			.collect();
		let together = hasher.hashes(&inputs).await;
		let alone = futures::future::join_all(
			inputs.iter().map(|input| hasher.hashes(std::slice::from_ref(input))),
		)
		.await;
		for ((input, a), b) in inputs.iter().zip(together).zip(alone) {
			assert_eq!(a, inputs::input_hash(input), "{} bytes hashed together", input.len());
			assert_eq!(b, vec![inputs::input_hash(input)], "{} bytes hashed alone", input.len());
		}
	}
}
