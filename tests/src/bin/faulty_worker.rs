//! `dropbear-faulty-worker`: a worker that misbehaves on purpose, for the
//! end-to-end fault tests. It starts exactly like `dropbear-worker` (same
//! options, same model checks, same gossip and RPC) and differs only in what
//! it votes. The production binary has no such switch.
//!
//! Faults (`--fault`):
//! - `lie`: votes `(honest label + 1) mod classes` for every request;
//! - `constant:L`: votes label `L` for every request (two of these collude);
//! - `silent`: never votes;
//! - `late:N`: votes honestly, `N` blocks after the batch was created;
//! - `equivocate`: votes honestly, then a lie for the same batch.

use anyhow::{bail, Result};
use clap::Parser;
use dropbear_api::Output;
use dropbear_worker::service;
use std::collections::HashSet;

#[derive(Clone, Debug)]
enum Fault {
	Lie,
	Constant(u32),
	Silent,
	Late(u32),
	Equivocate,
}

fn parse_fault(s: &str) -> Result<Fault, String> {
	match s.split_once(':') {
		None if s == "lie" => Ok(Fault::Lie),
		None if s == "silent" => Ok(Fault::Silent),
		None if s == "equivocate" => Ok(Fault::Equivocate),
		Some(("constant", l)) => l.parse().map(Fault::Constant).map_err(|e| e.to_string()),
		Some(("late", n)) => n.parse().map(Fault::Late).map_err(|e| e.to_string()),
		_ => Err(format!("unknown fault {s:?}: lie, constant:L, silent, late:N, equivocate")),
	}
}

#[derive(Parser)]
#[command(name = "dropbear-faulty-worker")]
struct Cli {
	#[arg(long, value_parser = parse_fault)]
	fault: Fault,
	#[command(flatten)]
	options: service::Options,
}

fn lie(outputs: &[Output], classes: u32) -> Vec<Output> {
	outputs
		.iter()
		.map(|o| match o {
			Output::Label(l) => Output::Label((l + 1) % classes),
			other => other.clone(),
		})
		.collect()
}

#[tokio::main]
async fn main() -> Result<()> {
	service::init_tracing();
	let cli = Cli::parse();
	let worker = service::start(&cli.options).await?;
	let voter = worker.voter.clone();
	let classes = worker.core.terms.classes;
	tracing::warn!(target: "faulty", "fault injection: {:?}", cli.fault);
	let mut done: HashSet<u64> = HashSet::new();
	let mut blocks = voter.chain.api().stream_best_blocks().await?;
	while let Some(block) = blocks.next().await {
		let Ok(block) = block else { continue };
		let (hash, number) = (block.hash(), block.number() as u32);
		voter.note_best(hash, block.header().parent_hash);
		voter.versions.sync(hash, number).await?;
		if matches!(cli.fault, Fault::Silent) {
			continue;
		}
		for (batch, position) in voter.unvoted_batches(hash).await? {
			if done.contains(&batch.id) {
				continue;
			}
			if let Fault::Late(n) = cli.fault {
				if number < batch.created + n {
					continue;
				}
			}
			done.insert(batch.id);
			let (version, honest) = voter.honest_outputs(&batch, position).await?;
			let (first, second) = match cli.fault {
				Fault::Lie => (lie(&honest, classes), None),
				Fault::Constant(l) => (vec![Output::Label(l); honest.len()], None),
				Fault::Late(_) => (honest, None),
				Fault::Equivocate => (honest.clone(), Some(lie(&honest, classes))),
				Fault::Silent => bail!("silent workers do not vote"),
			};
			let voter = voter.clone();
			tokio::spawn(async move {
				if let Err(e) = voter.submit_vote(batch.id, version, first).await {
					tracing::warn!(target: "faulty", "batch {}: {e:#}", batch.id);
				}
				if let Some(second) = second {
					match voter.submit_vote(batch.id, version, second).await {
						Ok(()) => {
							tracing::warn!(target: "faulty", "equivocated on batch {}", batch.id)
						}
						Err(e) => {
							tracing::warn!(target: "faulty", "second vote on batch {}: {e:#}", batch.id)
						}
					}
				}
			});
		}
	}
	bail!("the node closed the block stream")
}
