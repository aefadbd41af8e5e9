//! `dropbear infer`: inputs to workers, requests to the chain, certificates back.

use crate::{show, write_json, Format};
use anyhow::{Context, Result};
use dropbear_client::{keys, receipt::Fanout, worker::Workers, Client, Digest, Outcome, RequestId};
use std::{
	io::{IsTerminal, Write},
	path::PathBuf,
	time::{Duration, Instant},
};

/// The chain's `MaxRequestsPerCall`: longer lists go in several extrinsics.
const PER_CALL: usize = 1024;

#[derive(clap::Args)]
pub struct Args {
	#[arg(long)]
	group: u32,
	/// Input files: each holds one input's raw bytes, in the group's input spec.
	#[arg(long, num_args = 1.., required = true)]
	input: Vec<PathBuf>,
	/// A worker of the group (ws://HOST:PORT); repeat for several.
	#[arg(
		long = "worker",
		env = "DROPBEAR_WORKERS",
		value_delimiter = ',',
		required_unless_present = "fast"
	)]
	workers: Vec<String>,
	/// First a quorum receipt for each input: send it to every member's
	/// worker at once (--http) and print `q` members' signed, equal answers
	/// as soon as they come, then order the requests and print the
	/// certificates.
	#[arg(long, requires = "http")]
	fast: bool,
	/// With --fast: stop after the receipts and order nothing, for a client
	/// that orders otherwise (a contract calling the inference precompile,
	/// contracts/DigitBounty.sol): the members hold the inputs for it.
	#[arg(long, requires = "fast")]
	no_order: bool,
	/// A member's worker over the Open Inference Protocol
	/// (http://HOST:PORT); give every member's for --fast.
	#[arg(long = "http", value_delimiter = ',')]
	http: Vec<String>,
	/// Most to pay per request (default: the group's price).
	#[arg(long)]
	max_fee: Option<u128>,
	/// Seconds to wait for each certificate.
	#[arg(long, default_value_t = 60)]
	timeout: u64,
	#[arg(long, value_enum, default_value = "table")]
	format: Format,
	/// Also wait for finality and save each certificate's proof here as
	/// `request-<id>.json`, for `dropbear verify`; with --fast, each receipt
	/// with the proof of its group as `receipt-0x<input hash>.json` first.
	#[arg(long)]
	save: Option<PathBuf>,
}

/// A progress bar on a terminal, a line per tenth otherwise.
struct Progress {
	what: &'static str,
	total: usize,
	done: usize,
	tty: bool,
}

impl Progress {
	fn new(what: &'static str, total: usize) -> Self {
		Self { what, total, done: 0, tty: std::io::stderr().is_terminal() }
	}
	fn tick(&mut self) {
		self.done += 1;
		let (d, t) = (self.done, self.total.max(1));
		if self.tty {
			let filled = d * 30 / t;
			eprint!(
				"\r{:<13} [{}{}] {d}/{t}",
				self.what,
				"#".repeat(filled),
				".".repeat(30 - filled)
			);
			if d == t {
				eprintln!();
			}
			let _ = std::io::stderr().flush();
		} else if t >= 10 && (d * 10 / t != (d - 1) * 10 / t) || d == t {
			eprintln!("{} {d}/{t}", self.what);
		}
	}
}

pub async fn run(client: &Client, key: &str, args: Args) -> Result<()> {
	let signer = keys::signer(key)?;
	let group = client
		.group(args.group)
		.await?
		.with_context(|| format!("group {} does not exist", args.group))?;
	let max_fee = args.max_fee.unwrap_or(group.price);
	let started = Instant::now();
	let mut receipts = Vec::new();
	let hashes = if args.fast {
		let fanout = Fanout::connect(client, args.group, &args.http).await?;
		let mut hashes = Vec::new();
		for path in &args.input {
			let bytes =
				std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
			let asked = Instant::now();
			let receipt = fanout
				.receipt(&bytes, Duration::from_secs(args.timeout))
				.await
				.with_context(|| format!("input {}", path.display()))?;
			// Printed as it comes: the point of a receipt is not to wait.
			match args.format {
				Format::Json => println!("{}", serde_json::to_string(&receipt)?),
				_ => println!(
					"receipt  {}  0x{}  {:?} by {} of {} members in {:.1} ms (group {} at #{})",
					path.display(),
					hex::encode(receipt.input_hash),
					receipt.output,
					receipt.answers.len(),
					fanout.group.members.len(),
					asked.elapsed().as_secs_f64() * 1e3,
					receipt.group,
					receipt.block
				),
			}
			if let Some(dir) = &args.save {
				std::fs::create_dir_all(dir)
					.with_context(|| format!("creating {}", dir.display()))?;
				let file = dir.join(format!("receipt-0x{}.json", hex::encode(receipt.input_hash)));
				write_json(Some(&file), &fanout.proven(receipt.clone()))?;
			}
			hashes.push(receipt.input_hash);
			receipts.push(receipt);
		}
		if args.no_order {
			return Ok(());
		}
		hashes
	} else {
		let workers = Workers::connect(client, args.group, &args.workers).await?;
		let mut progress = Progress::new("sending inputs", args.input.len());
		let mut hashes: Vec<Digest> = Vec::new();
		for path in &args.input {
			let bytes =
				std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
			hashes.push(
				workers
					.submit(&bytes)
					.await
					.with_context(|| format!("input {}", path.display()))?,
			);
			progress.tick();
		}
		hashes
	};
	let mut orders = Vec::new();
	for chunk in hashes.chunks(PER_CALL) {
		orders.push(client.order(&signer, args.group, chunk, max_fee).await?);
	}
	let timeout = Duration::from_secs(args.timeout);
	let mut progress = Progress::new("certificates", hashes.len());
	let mut certificates = Vec::new();
	for order in &mut orders {
		for i in 0..order.requests.len() {
			certificates.push(client.wait_ordered(order, i, timeout).await?);
			progress.tick();
		}
	}
	// The ids the certificates were read under (a reorg may have moved them).
	let ids: Vec<RequestId> = certificates.iter().map(|c| c.request).collect();
	let elapsed = started.elapsed();
	show::certificates(&certificates, args.format)?;
	// A receipt the certificate contradicts means a member signed one
	// answer and the group certified another: said, never hidden.
	for (receipt, certificate) in receipts.iter().zip(&certificates) {
		if let Outcome::Certified(output) = &certificate.outcome {
			if *output != receipt.output {
				eprintln!(
					"request {}: the certificate says {output:?}, the receipt said {:?}",
					certificate.request, receipt.output
				);
			}
		}
	}
	// A member of a receipt whose vote contradicts its signed answer has
	// lied provably: the pair goes to the chain, which slashes its owner.
	for (receipt, id) in receipts.iter().zip(&ids) {
		for lie in client.lies(*id, &receipt.answers).await? {
			let (model, signed, voted) =
				(lie.answer.answer.model, &lie.answer.answer.output, &lie.voted);
			match client.report_lie(&signer, &lie).await {
				Ok(proven) => eprintln!(
					"request {id}: model {model} signed {signed:?} and voted {voted:?}: lie proven, owner slashed {}",
					proven.slashed
				),
				Err(e) => eprintln!(
					"request {id}: model {model} signed {signed:?} and voted {voted:?}; the report was refused: {e:#}"
				),
			}
		}
	}
	if let Some(dir) = &args.save {
		std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
		let mut progress = Progress::new("proofs", ids.len());
		let places: Vec<(usize, usize)> = orders
			.iter()
			.enumerate()
			.flat_map(|(o, order)| (0..order.requests.len()).map(move |i| (o, i)))
			.collect();
		for (o, i) in places {
			let proof = client.wait_ordered_proof(&mut orders[o], i, timeout).await?;
			let id = proof.certificate.request;
			write_json(Some(&dir.join(format!("request-{id}.json"))), &proof)?;
			progress.tick();
		}
		eprintln!("proofs saved in {}", dir.display());
	}
	let certified = certificates
		.iter()
		.filter(|c| matches!(c.outcome, dropbear_client::Outcome::Certified(_)))
		.count();
	eprintln!("{certified}/{} certified in {:.1} s", certificates.len(), elapsed.as_secs_f64());
	Ok(())
}
