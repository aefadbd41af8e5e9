//! Prometheus metrics of the worker, served by Substrate's own endpoint crate.

use substrate_prometheus_endpoint::{
	exponential_buckets, register, Counter, CounterVec, Gauge, Histogram, HistogramOpts, Opts,
	PrometheusError, Registry, U64,
};

#[derive(Clone)]
pub struct Metrics {
	pub batch_size: Histogram,
	pub inference_seconds: Histogram,
	pub queue_depth: Gauge<U64>,
	pub overloaded: Counter<U64>,
	pub inputs_received: Counter<U64>,
	pub inputs_refused: Counter<U64>,
	pub inputs_unavailable: Counter<U64>,
	pub votes_sent: Counter<U64>,
	pub votes_refused: Counter<U64>,
	pub batches_seen: Counter<U64>,
	pub speculative_hits: Counter<U64>,
	/// Input bytes received, by way: `client` (JSON-RPC and the Open
	/// Inference Protocol), `gossip` (every copy a member relays), `fetch`
	/// (asked for by hash at vote time).
	pub input_bytes: CounterVec<U64>,
}

impl Metrics {
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		let counter = |name: &str, help: &str| -> Result<Counter<U64>, PrometheusError> {
			register(Counter::new(name, help)?, registry)
		};
		Ok(Self {
			batch_size: register(
				Histogram::with_opts(
					HistogramOpts::new("dropbear_worker_batch_size", "Inputs per forward pass")
						.buckets(exponential_buckets(1.0, 2.0, 11)?),
				)?,
				registry,
			)?,
			inference_seconds: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"dropbear_worker_inference_seconds",
						"Time of one forward pass (model thread)",
					)
					.buckets(exponential_buckets(0.0001, 2.0, 18)?),
				)?,
				registry,
			)?,
			queue_depth: register(
				Gauge::new("dropbear_worker_queue_depth", "Inputs waiting for the model")?,
				registry,
			)?,
			overloaded: counter("dropbear_worker_overloaded_total", "Inputs refused: queue full")?,
			inputs_received: counter(
				"dropbear_worker_inputs_total",
				"Inputs accepted (RPC and gossip)",
			)?,
			inputs_refused: counter(
				"dropbear_worker_inputs_refused_total",
				"Inputs refused by the spec check",
			)?,
			inputs_unavailable: counter(
				"dropbear_worker_inputs_unavailable_total",
				"Requests voted Unavailable: no member gave the input in time",
			)?,
			votes_sent: counter(
				"dropbear_worker_votes_total",
				"Commitments and reveals included on chain",
			)?,
			votes_refused: counter(
				"dropbear_worker_votes_refused_total",
				"Commitments and reveals the chain refused",
			)?,
			batches_seen: counter(
				"dropbear_worker_batches_total",
				"Batches of the group seen in best blocks",
			)?,
			speculative_hits: counter(
				"dropbear_worker_speculative_hits_total",
				"Batch requests answered from results computed before ordering",
			)?,
			input_bytes: register(
				CounterVec::new(
					Opts::new(
						"dropbear_worker_input_bytes_total",
						"Input bytes received: from clients, by gossip, by fetch",
					),
					&["via"],
				)?,
				registry,
			)?,
		})
	}

	/// Count `n` input bytes received by way of `via`.
	pub fn received(&self, via: &str, n: usize) {
		self.input_bytes.with_label_values(&[via]).inc_by(n as u64);
	}

	/// Metrics registered nowhere (tests, or no metrics address).
	pub fn unregistered() -> Self {
		Self::register(&Registry::new()).expect("fresh registry takes every metric")
	}
}
