//! The batching queue: inputs wait in a bounded queue; a model thread takes
//! a full batch, or what has arrived when the oldest input has waited
//! `max_wait`, and runs it in one forward pass. A full queue answers
//! [`Overloaded`] at once instead of growing.
//!
//! One queue may feed several model threads, each with its own backend (a
//! copy of the same model: Triton's instance group, `--instances`). One
//! thread at a time gathers a batch from the queue; while it runs that
//! batch, the next thread gathers the next one. On a GPU each thread has a
//! CUDA stream of its own ([`crate::cuda`]), so one batch's copy in and
//! another's forward pass overlap.
//!
//! Each model thread also keeps its backend's health: the result of its
//! last batch, or of a health check it runs after [`HEALTH_INTERVAL`] idle.
//! The worker's health answer reads them ([`Batcher::health`]).

use crate::{
	backend::{Backend, BackendError},
	inputs::Bytes,
	metrics::Metrics,
};
use std::{
	sync::{
		mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};
use tokio::sync::oneshot;

/// The queue is full: try later or elsewhere.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("worker overloaded: {0} inputs already queued")]
pub struct Overloaded(pub usize);

/// Scores of one input, or why the model failed on its batch.
pub type Scores = Result<Vec<f32>, BackendError>;

/// An idle model thread checks its backend this often.
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(30);

/// Each backend's last known health, written by its model thread.
type Health = Arc<Vec<Mutex<Result<(), BackendError>>>>;

/// The queue's receiving end, which the model threads take turns at.
type Queue = Arc<Mutex<Receiver<Job>>>;

struct Job {
	input: Bytes,
	queued: Instant,
	reply: oneshot::Sender<Scores>,
}

/// Batching settings.
#[derive(Clone, Copy, Debug)]
pub struct BatchConfig {
	pub max_batch: usize,
	pub max_wait: Duration,
	pub queue: usize,
	/// Model threads per loaded version, each with its own copy of the
	/// model ([`Batcher::start_instances`]).
	pub instances: usize,
}

/// Handle to a model thread; cheap to clone.
#[derive(Clone)]
pub struct Batcher {
	tx: SyncSender<Job>,
	queue: usize,
	metrics: Metrics,
	health: Health,
}

impl Batcher {
	/// Start a thread that owns `backend` and serves batches.
	pub fn start<B: Backend>(backend: B, config: BatchConfig, metrics: Metrics) -> Self {
		Self::start_instances(vec![backend], config, metrics)
	}

	/// Start one model thread per backend (copies of one model), fed by one
	/// queue. No backends: a batcher whose every submission is refused.
	pub fn start_instances<B: Backend>(
		backends: Vec<B>,
		config: BatchConfig,
		metrics: Metrics,
	) -> Self {
		let (tx, rx) = sync_channel(config.queue.max(1));
		let queue: Queue = Arc::new(Mutex::new(rx));
		let health: Health = Arc::new((0..backends.len()).map(|_| Mutex::new(Ok(()))).collect());
		let count = backends.len();
		for (k, backend) in backends.into_iter().enumerate() {
			let (queue, m, h) = (queue.clone(), metrics.clone(), health.clone());
			let name = if count == 1 { "model".to_string() } else { format!("model-{k}") };
			std::thread::Builder::new()
				.name(name)
				.spawn(move || {
					crate::priority::enter_data_plane();
					run(backend, k, count, queue, config, m, h)
				})
				.expect("spawning a model thread");
		}
		Self { tx, queue: config.queue, metrics, health }
	}

	/// The backends' last known health: each one's last batch or health
	/// check; the first failing one's error.
	pub fn health(&self) -> Result<(), BackendError> {
		if self.health.is_empty() {
			return Err(BackendError::Stopped);
		}
		for h in self.health.iter() {
			h.lock().unwrap_or_else(|p| p.into_inner()).clone()?;
		}
		Ok(())
	}

	/// Queue one input; the receiver gets its scores when its batch has run.
	pub fn submit(&self, input: Bytes) -> Result<oneshot::Receiver<Scores>, Overloaded> {
		let (reply, rx) = oneshot::channel();
		match self.tx.try_send(Job { input, queued: Instant::now(), reply }) {
			Ok(()) => {
				self.metrics.queue_depth.inc();
				Ok(rx)
			}
			Err(TrySendError::Full(_)) => {
				self.metrics.overloaded.inc();
				Err(Overloaded(self.queue))
			}
			Err(TrySendError::Disconnected(_)) => Err(Overloaded(0)),
		}
	}

	/// Scores of many inputs, queued together and awaited.
	pub async fn infer_all(&self, inputs: Vec<Bytes>) -> Result<Vec<Vec<f32>>, BackendError> {
		let mut pending = Vec::with_capacity(inputs.len());
		for input in inputs {
			// Wait for room rather than fail: the chain side must answer every
			// request of a batch.
			let rx = loop {
				match self.submit(input.clone()) {
					Ok(rx) => break rx,
					Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
				}
			};
			pending.push(rx);
		}
		let mut out = Vec::with_capacity(pending.len());
		for rx in pending {
			out.push(rx.await.map_err(|_| BackendError::Stopped)??);
		}
		Ok(out)
	}
}

/// What a model thread took from the queue.
enum Taken {
	/// A batch to run.
	Batch(Vec<Job>),
	/// Nothing for [`HEALTH_INTERVAL`].
	Idle,
	/// Every sender is gone: the version was unloaded.
	Closed,
}

/// Take the next batch from `rx`: a full one, or what has arrived when the
/// oldest input has waited `max_wait`.
fn take(rx: &Receiver<Job>, config: &BatchConfig) -> Taken {
	let max_batch = config.max_batch.max(1);
	// Wait for the first input of the next batch, checking the model
	// whenever it has been idle for a while.
	let first = match rx.recv_timeout(HEALTH_INTERVAL) {
		Ok(job) => job,
		Err(RecvTimeoutError::Timeout) => return Taken::Idle,
		Err(RecvTimeoutError::Disconnected) => return Taken::Closed,
	};
	let deadline = first.queued + config.max_wait;
	let mut jobs = vec![first];
	while jobs.len() < max_batch {
		let now = Instant::now();
		if now >= deadline {
			// Take what is already queued, without waiting.
			match rx.try_recv() {
				Ok(job) => jobs.push(job),
				Err(_) => break,
			}
			continue;
		}
		match rx.recv_timeout(deadline - now) {
			Ok(job) => jobs.push(job),
			Err(RecvTimeoutError::Timeout) => break,
			Err(RecvTimeoutError::Disconnected) => break,
		}
	}
	Taken::Batch(jobs)
}

/// Model thread `k` of `count`: takes batches from `queue` in turn with the
/// others and runs them on `backend`.
fn run<B: Backend>(
	mut backend: B,
	k: usize,
	count: usize,
	queue: Queue,
	config: BatchConfig,
	metrics: Metrics,
	health: Health,
) {
	let record = |result: Result<(), BackendError>| {
		if let Some(h) = health.get(k) {
			*h.lock().unwrap_or_else(|p| p.into_inner()) = result;
		}
	};
	match backend.on_model_thread() {
		Ok(Some(said)) => {
			tracing::info!(target: "worker::model", "model thread {} of {count}: {said}", k + 1)
		}
		Ok(None) => {}
		Err(e) => {
			tracing::warn!(target: "worker::model", "model thread {} of {count}: {e}; running on the device's default stream", k + 1)
		}
	}
	loop {
		// One thread gathers a batch at a time; the lock is let go before
		// the batch runs, so that the next thread can gather the next.
		let taken = take(&queue.lock().unwrap_or_else(|p| p.into_inner()), &config);
		let jobs = match taken {
			Taken::Batch(jobs) => jobs,
			Taken::Idle => {
				record(backend.health());
				continue;
			}
			Taken::Closed => return,
		};
		metrics.queue_depth.sub(jobs.len() as u64);
		let inputs: Vec<&[u8]> = jobs.iter().map(|j| &j.input[..]).collect();
		let started = Instant::now();
		let result = backend.infer(&inputs);
		metrics.batch_size.observe(jobs.len() as f64);
		metrics.inference_seconds.observe(started.elapsed().as_secs_f64());
		let result = result.and_then(|scores| {
			if scores.len() == jobs.len() {
				Ok(scores)
			} else {
				Err(BackendError::OutputShape {
					got: vec![scores.len() as i64],
					want: vec![jobs.len() as i64],
				})
			}
		});
		record(result.as_ref().map(|_| ()).map_err(Clone::clone));
		match result {
			Ok(scores) => {
				for (job, s) in jobs.into_iter().zip(scores) {
					let _ = job.reply.send(Ok(s));
				}
			}
			Err(e) => {
				tracing::error!(target: "worker::model", "batch of {} failed: {e}", jobs.len());
				for job in jobs {
					let _ = job.reply.send(Err(e.clone()));
				}
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::{Arc, Mutex};

	/// Scores each input by its first byte; records batch sizes.
	struct Recording(Arc<Mutex<Vec<usize>>>, Duration);

	impl Backend for Recording {
		fn infer(&mut self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>, BackendError> {
			self.0.lock().unwrap().push(inputs.len());
			std::thread::sleep(self.1);
			Ok(inputs.iter().map(|i| vec![f32::from(i[0])]).collect())
		}
		fn health(&mut self) -> Result<(), BackendError> {
			Ok(())
		}
		fn device(&self) -> String {
			"test".into()
		}
	}

	fn batcher(
		max_batch: usize,
		max_wait_ms: u64,
		queue: usize,
		work_ms: u64,
	) -> (Batcher, Arc<Mutex<Vec<usize>>>) {
		let sizes = Arc::new(Mutex::new(Vec::new()));
		let config = BatchConfig {
			max_batch,
			max_wait: Duration::from_millis(max_wait_ms),
			queue,
			instances: 1,
		};
		let b = Batcher::start(
			Recording(sizes.clone(), Duration::from_millis(work_ms)),
			config,
			Metrics::unregistered(),
		);
		(b, sizes)
	}

	#[tokio::test]
	async fn a_full_batch_runs_without_waiting() {
		let (b, sizes) = batcher(4, 10_000, 64, 0);
		let started = Instant::now();
		let scores = b.infer_all((0..8u8).map(|i| Bytes::from(vec![i])).collect()).await.unwrap();
		assert_eq!(scores, (0..8).map(|i| vec![i as f32]).collect::<Vec<_>>());
		assert_eq!(*sizes.lock().unwrap(), vec![4, 4]);
		assert!(
			started.elapsed() < Duration::from_secs(5),
			"full batches do not wait for max_wait"
		);
	}

	#[tokio::test]
	async fn a_partial_batch_runs_after_max_wait() {
		let (b, sizes) = batcher(64, 50, 64, 0);
		let started = Instant::now();
		let scores = b.infer_all(vec![Bytes::from(vec![7]), Bytes::from(vec![9])]).await.unwrap();
		assert_eq!(scores, vec![vec![7.0], vec![9.0]]);
		assert_eq!(*sizes.lock().unwrap(), vec![2]);
		assert!(started.elapsed() >= Duration::from_millis(50), "waited for more inputs first");
	}

	/// Holds each batch until the test releases it, and says when it took one.
	struct Gated {
		took: std::sync::mpsc::Sender<()>,
		release: std::sync::mpsc::Receiver<()>,
	}

	impl Backend for Gated {
		fn infer(&mut self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>, BackendError> {
			let _ = self.took.send(());
			let _ = self.release.recv();
			Ok(inputs.iter().map(|i| vec![f32::from(i[0])]).collect())
		}
		fn health(&mut self) -> Result<(), BackendError> {
			Ok(())
		}
		fn device(&self) -> String {
			"test".into()
		}
	}

	#[tokio::test]
	async fn a_full_queue_answers_overloaded() {
		let (took_tx, took) = std::sync::mpsc::channel();
		let (release, release_rx) = std::sync::mpsc::channel();
		let config = BatchConfig { max_batch: 1, max_wait: Duration::ZERO, queue: 2, instances: 1 };
		let b = Batcher::start(
			Gated { took: took_tx, release: release_rx },
			config,
			Metrics::unregistered(),
		);
		// The model holds the first input while the queue fills.
		let first = b.submit(Bytes::from(vec![1])).unwrap();
		took.recv().unwrap();
		let _q1 = b.submit(Bytes::from(vec![2])).unwrap();
		let _q2 = b.submit(Bytes::from(vec![3])).unwrap();
		assert_eq!(b.submit(Bytes::from(vec![4])).unwrap_err(), Overloaded(2));
		for _ in 0..3 {
			release.send(()).unwrap();
		}
		assert_eq!(first.await.unwrap(), Ok(vec![1.0]));
	}

	/// Model threads are told which thread runs them; a test sees in which
	/// order, and how many at once.
	struct Instance {
		name: &'static str,
		took: std::sync::mpsc::Sender<&'static str>,
		release: std::sync::mpsc::Receiver<()>,
		threads: Arc<Mutex<Vec<String>>>,
	}

	impl Backend for Instance {
		fn infer(&mut self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>, BackendError> {
			let _ = self.took.send(self.name);
			let _ = self.release.recv();
			Ok(inputs.iter().map(|i| vec![f32::from(i[0]) + 0.5]).collect())
		}
		fn health(&mut self) -> Result<(), BackendError> {
			Ok(())
		}
		fn device(&self) -> String {
			"test".into()
		}
		fn on_model_thread(&mut self) -> Result<Option<String>, BackendError> {
			let thread = std::thread::current().name().unwrap_or_default().to_string();
			self.threads.lock().unwrap().push(format!("{} on {thread}", self.name));
			Ok(None)
		}
	}

	#[tokio::test]
	async fn instances_run_batches_at_the_same_time_and_each_input_gets_its_own_scores() {
		let (took_tx, took) = std::sync::mpsc::channel();
		let threads = Arc::new(Mutex::new(Vec::new()));
		let mut releases = Vec::new();
		let backends = ["a", "b"]
			.into_iter()
			.map(|name| {
				let (release, release_rx) = std::sync::mpsc::channel();
				releases.push(release);
				Instance {
					name,
					took: took_tx.clone(),
					release: release_rx,
					threads: threads.clone(),
				}
			})
			.collect();
		let config = BatchConfig { max_batch: 2, max_wait: Duration::ZERO, queue: 8, instances: 2 };
		let b = Batcher::start_instances(backends, config, Metrics::unregistered());
		let pending: Vec<_> = (0..4u8).map(|i| b.submit(Bytes::from(vec![i])).unwrap()).collect();
		// Both instances hold a batch at once: the second is taken while the
		// first is still held (a single thread would never take it).
		let wait = Duration::from_secs(30);
		let mut holding = vec![took.recv_timeout(wait).unwrap(), took.recv_timeout(wait).unwrap()];
		holding.sort();
		assert_eq!(holding, vec!["a", "b"]);
		// Let every batch through from now on.
		drop(releases);
		for (i, rx) in pending.into_iter().enumerate() {
			assert_eq!(rx.await.unwrap(), Ok(vec![i as f32 + 0.5]));
		}
		let mut threads = threads.lock().unwrap().clone();
		threads.sort();
		assert_eq!(threads, vec!["a on model-0", "b on model-1"]);
		assert_eq!(b.health(), Ok(()));
	}

	#[tokio::test]
	async fn a_batcher_without_backends_refuses_inputs() {
		let b = Batcher::start_instances(
			Vec::<Recording>::new(),
			BatchConfig { max_batch: 1, max_wait: Duration::ZERO, queue: 1, instances: 0 },
			Metrics::unregistered(),
		);
		assert_eq!(b.health(), Err(BackendError::Stopped));
		// Nobody receives: the queue is dropped with the threads' share.
		assert!(b.submit(Bytes::from(vec![1])).is_err());
	}
}
