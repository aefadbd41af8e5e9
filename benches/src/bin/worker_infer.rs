//! Time the worker's inference path (`TchBackend::infer`: input bytes to a
//! tensor, forward under `no_grad`, scores back) on one TorchScript model at
//! several batch sizes; one JSON line per batch size on stdout. With
//! `--instances N`, N threads each run their own copy of the model (on a
//! GPU each on its own CUDA stream), as the worker's model threads do with
//! `--instances`, and the inputs per second are theirs together.
//! `benches/worker_vs_pytorch.py` runs this next to the same measurement in
//! PyTorch and prints the ratio.

use anyhow::{Context, Result};
use clap::Parser;
use dropbear_primitives::{DType, InputSpec};
use dropbear_worker::{
	backend::Backend,
	tch_backend::{parse_device, Precision, Preprocess, RunOptions, TchBackend},
};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
	#[arg(long)]
	model: std::path::PathBuf,
	/// Input shape without the batch dimension, e.g. 1,8,8 or 3,224,224.
	#[arg(long, value_delimiter = ',')]
	shape: Vec<u32>,
	#[arg(long)]
	classes: u32,
	#[arg(long, value_delimiter = ',', default_value = "1,8,32")]
	batch_sizes: Vec<usize>,
	/// Measure each batch size for at least this long.
	#[arg(long, default_value_t = 2.0)]
	seconds: f64,
	#[arg(long, default_value = "cpu")]
	device: String,
	/// Intra-op threads (0: libtorch's default).
	#[arg(long, default_value_t = 0)]
	threads: i32,
	/// `imagenet`: u8 inputs, scaled and normalised on the device (the
	/// worker's `--preprocess imagenet`); `none`: f32 inputs.
	#[arg(long, value_enum, default_value = "none")]
	preprocess: Preprocess,
	/// The precision the model computes in (the worker's `--precision`).
	#[arg(long, value_enum, default_value = "fp32")]
	precision: Precision,
	/// Channels-last images and weights (the worker's `--channels-last`).
	#[arg(long)]
	channels_last: bool,
	/// Model threads, each with its own copy of the model (the worker's
	/// `--instances`).
	#[arg(long, default_value_t = 1)]
	instances: usize,
}

fn main() -> Result<()> {
	let args = Args::parse();
	if args.threads > 0 {
		tch::set_num_threads(args.threads);
	}
	let device = parse_device(&args.device)?;
	let dtype = match args.preprocess {
		Preprocess::None => DType::F32,
		Preprocess::Imagenet => DType::U8,
	};
	let spec = InputSpec {
		dtype,
		shape: args.shape.clone().try_into().map_err(|_| anyhow::anyhow!("too many dimensions"))?,
	};
	let options = RunOptions {
		preprocess: args.preprocess,
		precision: args.precision,
		channels_last: args.channels_last,
	};
	let mut backends = (0..args.instances.max(1))
		.map(|_| TchBackend::load_with(&args.model, device, &spec, args.classes, options))
		.collect::<Result<Vec<_>, _>>()?;
	let per_input = spec.byte_len().map_err(|e| anyhow::anyhow!("{e:?}"))? as usize;
	for &batch in &args.batch_sizes {
		// Deterministic, non-trivial inputs.
		let inputs: Vec<Vec<u8>> = (0..batch)
			.map(|i| match dtype {
				DType::F32 => (0..per_input / 4)
					.flat_map(|j| (((i * 31 + j * 7) % 97) as f32 / 97.0).to_le_bytes())
					.collect(),
				DType::U8 => (0..per_input).map(|j| ((i * 31 + j * 7) % 251) as u8).collect(),
			})
			.collect();
		let refs: Vec<&[u8]> = inputs.iter().map(|v| v.as_slice()).collect();
		let measure = Duration::from_secs_f64(args.seconds);
		// Each thread warms up, waits for the others, then runs batches
		// until the time is up (three at least).
		let start = std::sync::Barrier::new(backends.len());
		let runs = std::thread::scope(|scope| {
			let handles: Vec<_> = backends
				.iter_mut()
				.map(|backend| {
					let (refs, start) = (&refs, &start);
					scope.spawn(move || -> Result<(u64, f64, Option<String>)> {
						// As the worker's model threads: a stream that cannot
						// be had leaves this thread on the default stream.
						let stream = backend.on_model_thread().unwrap_or_else(|e| {
							eprintln!("worker-infer: {e}; on the default stream");
							None
						});
						let warm = (0..10).try_for_each(|_| backend.infer(refs).map(|_| ()));
						// Every thread reaches the barrier, a failed one too,
						// so that none waits there for ever.
						start.wait();
						warm.context("warm-up")?;
						let started = Instant::now();
						let mut iterations = 0u64;
						while started.elapsed() < measure || iterations < 3 {
							backend.infer(refs)?;
							iterations += 1;
						}
						Ok((iterations, started.elapsed().as_secs_f64(), stream))
					})
				})
				.collect();
			handles
				.into_iter()
				.map(|h| h.join().map_err(|_| anyhow::anyhow!("a model thread panicked"))?)
				.collect::<Result<Vec<_>>>()
		})?;
		let iterations: u64 = runs.iter().map(|r| r.0).sum();
		// Every thread ran for at least `measure`; the slowest one's time
		// bounds them all.
		let seconds = runs.iter().map(|r| r.1).fold(0.0, f64::max);
		let streams: Vec<String> = runs.into_iter().filter_map(|r| r.2).collect();
		println!(
			"{}",
			serde_json::json!({
				"batch": batch,
				"instances": backends.len(),
				"iterations": iterations,
				"seconds": seconds,
				"inputs_per_s": (iterations as f64 * batch as f64) / seconds,
				"ms_per_batch": seconds * 1000.0 / iterations as f64 * backends.len() as f64,
				"streams": streams,
			})
		);
	}
	Ok(())
}
