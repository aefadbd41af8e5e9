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
//! [`MOST_AT_ONCE`]) and hashes them together. It never waits for more: an
//! input alone is hashed alone, as before, and a busy machine, where inputs
//! queue behind one another anyway, is where they come together. One thread
//! for every four cores (at least one, at most four): one core hashes about
//! 2 GB/s this way, and a GPU member taking 10,000 ImageNet images a second
//! needs 1.5 GB/s, while on a small machine fewer threads batch better.
//!
//! Waiting a few milliseconds for more inputs fills the lanes more often
//! (measured: 30% less hashing per input under load), but a thread
//! cannot tell an open stream of inputs from a few clients that each wait
//! for their answer before sending again, and those would wait the whole
//! time for inputs that cannot come (`docs/worker.md`).

use dropbear_primitives::Digest;
use inputs::Bytes;
use std::sync::mpsc;
use tokio::sync::oneshot;

use crate::inputs;

/// The most inputs hashed in one call: twice AVX2's four lanes, so that
/// inputs of unequal lengths keep the lanes full.
const MOST_AT_ONCE: usize = 8;

struct Job {
	bytes: Bytes,
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
			let sent = self.jobs.send(Job { bytes: bytes.clone(), done }).is_ok();
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

/// A hashing thread: until every sender is gone, take the inputs waiting
/// (one at least) and hash them together.
fn hash_what_waits(inbox: &std::sync::Mutex<mpsc::Receiver<Job>>) {
	let mut batch: Vec<Job> = Vec::with_capacity(MOST_AT_ONCE);
	loop {
		{
			// One thread waits on the inbox at a time; the others wait here.
			let inbox = inbox.lock().unwrap_or_else(|p| p.into_inner());
			let Ok(first) = inbox.recv() else { return };
			batch.push(first);
			while batch.len() < MOST_AT_ONCE {
				match inbox.try_recv() {
					Ok(job) => batch.push(job),
					Err(_) => break,
				}
			}
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
