//! `dropbear-faulty-worker`: a worker that misbehaves on purpose, for the
//! end-to-end fault tests. It starts exactly like `dropbear-worker` (same
//! options, same model checks, same gossip and RPC) and differs only in what
//! it votes. The production binary has no such switch.
//!
//! Faults (`--fault`):
//! - `lie`: commits to and reveals `(honest label + 1) mod classes` for every request;
//! - `constant:L`: commits to and reveals label `L` for every request (two of these collude);
//! - `silent`: never votes;
//! - `late:N`: votes honestly, starting `N` blocks after the batch was created;
//! - `equivocate`: commits honestly, then commits again to a lie for the same
//!   batch, then reveals the honest outputs;
//! - `copy`: never runs its model: it commits to a made-up digest (so that
//!   the others' reveals are not held back), waits for the others' reveals
//!   and reveals the most common answer among them;
//! - `stale-reveal`: no fault of its own, but what a reorg does to an honest
//!   member: on each new batch it first reveals a ballot it has no
//!   commitment for on this chain (as when its commitment landed on a fork
//!   that lost and its reveal reached the chain that won), through the
//!   production voter, which then takes every best block as
//!   `dropbear-worker` does.

use anyhow::{bail, Result};
use clap::Parser;
use dropbear_api::{primitives::commitment, Output};
use dropbear_worker::{
	service,
	voter::{requests_digest, Ballot, Voter},
};
use std::{collections::HashSet, sync::Arc};

#[derive(Clone, Debug, PartialEq)]
enum Fault {
	Lie,
	Constant(u32),
	Silent,
	Late(u32),
	Equivocate,
	Copy,
	StaleReveal,
}

fn parse_fault(s: &str) -> Result<Fault, String> {
	match s.split_once(':') {
		None if s == "lie" => Ok(Fault::Lie),
		None if s == "silent" => Ok(Fault::Silent),
		None if s == "equivocate" => Ok(Fault::Equivocate),
		None if s == "copy" => Ok(Fault::Copy),
		None if s == "stale-reveal" => Ok(Fault::StaleReveal),
		Some(("constant", l)) => l.parse().map(Fault::Constant).map_err(|e| e.to_string()),
		Some(("late", n)) => n.parse().map(Fault::Late).map_err(|e| e.to_string()),
		_ => Err(format!(
			"unknown fault {s:?}: lie, constant:L, silent, late:N, equivocate, copy, stale-reveal"
		)),
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

/// The answer most of the revealed votes give (the first such, on a tie).
fn most_common(votes: &[Option<Vec<Output>>]) -> Option<Vec<Output>> {
	let revealed: Vec<&Vec<Output>> = votes.iter().flatten().collect();
	revealed.iter().max_by_key(|v| revealed.iter().filter(|w| w == v).count()).map(|v| (*v).clone())
}

fn main() -> Result<()> {
	service::init_tracing();
	let cli = Cli::parse();
	// The production worker's two runtimes: the voter on the chain side's,
	// the doors on the data plane's, `--data-plane-nice` levels below.
	service::Runtimes::new(cli.options.data_plane_nice)?.run(|data_plane| run(cli, data_plane))
}

async fn run(cli: Cli, data_plane: tokio::runtime::Handle) -> Result<()> {
	let worker = service::start(&cli.options, &data_plane).await?;
	let voter = worker.voter.clone();
	let classes = worker.core.terms.classes;
	let model = voter.versions.model;
	tracing::warn!(target: "faulty", "fault injection: {:?}", cli.fault);
	let mut committed: HashSet<u64> = HashSet::new();
	let mut revealed: HashSet<u64> = HashSet::new();
	if cli.fault == Fault::StaleReveal {
		return stale_reveals(voter).await;
	}
	let mut blocks = voter.chain.api().stream_best_blocks().await?;
	while let Some(block) = blocks.next().await {
		let Ok(block) = block else { continue };
		let (hash, number) = (block.hash(), block.number() as u32);
		voter.note_best(hash, block.header().parent_hash);
		voter.versions.sync(hash, number).await?;
		if cli.fault == Fault::Silent {
			continue;
		}
		for (batch, position) in voter.open_batches(hash).await? {
			if let Fault::Late(n) = cli.fault {
				if number < batch.created + n {
					continue;
				}
			}
			let has_committed = batch.committed.get(position).copied().unwrap_or(false);
			let id = batch.id;
			if !has_committed && committed.insert(id) {
				let voter = voter.clone();
				let fault = cli.fault.clone();
				tokio::spawn(async move {
					let result = async {
						if fault == Fault::Copy {
							// Nothing computed: a digest of nothing in particular.
							let requests = requests_digest(&batch);
							return voter.commit_digest(id, requests, rand::random(), None).await;
						}
						let (version, honest) = voter.honest_outputs(&batch, position).await?;
						let first = match fault {
							Fault::Lie => lie(&honest, classes),
							Fault::Constant(l) => vec![Output::Label(l); honest.len()],
							_ => honest.clone(),
						};
						voter.commit(&batch, version, first).await?;
						if fault == Fault::Equivocate {
							let lie = lie(&honest, classes);
							let second = commitment(id, model, version, &lie, &rand::random());
							voter.commit_digest(id, requests_digest(&batch), second, None).await?;
							tracing::warn!(target: "faulty", "equivocated on batch {id}");
						}
						Ok(())
					}
					.await;
					if let Err(e) = result {
						tracing::warn!(target: "faulty", "commitment on batch {id}: {e:#}");
					}
				});
				continue;
			}
			if !has_committed || !batch.reveals_open_after(number) {
				continue;
			}
			if cli.fault == Fault::Copy {
				let Some(copied) = most_common(&batch.votes) else { continue };
				if !revealed.insert(id) {
					continue;
				}
				let version = batch.members.get(position).map(|m| m.version).unwrap_or(0);
				let voter = voter.clone();
				tokio::spawn(async move {
					let ballot = Ballot { version, outputs: copied, salt: rand::random() };
					match voter.reveal_ballot(id, ballot, None).await {
						Ok(()) => {
							tracing::error!(target: "faulty", "a copied reveal on batch {id} was taken")
						}
						Err(e) => {
							tracing::warn!(target: "faulty", "copied reveal on batch {id} refused: {e:#}")
						}
					}
				});
			} else if revealed.insert(id) {
				let voter = voter.clone();
				tokio::spawn(async move {
					if let Err(e) = voter.reveal(&batch).await {
						tracing::warn!(target: "faulty", "reveal on batch {id}: {e:#}");
					}
				});
			}
		}
	}
	bail!("the node closed the block stream")
}

/// `stale-reveal`: before the voter sees a batch, a reveal it never
/// committed to goes out through it and is refused (`NoCommitment`); then
/// the voter takes the block as the production worker does, and must still
/// commit and reveal on that batch.
async fn stale_reveals(voter: Arc<Voter>) -> Result<()> {
	let mut tried: HashSet<u64> = HashSet::new();
	let mut blocks = voter.chain.api().stream_best_blocks().await?;
	while let Some(block) = blocks.next().await {
		let Ok(block) = block else { continue };
		let (hash, number, parent) =
			(block.hash(), block.number() as u32, block.header().parent_hash);
		for (batch, position) in voter.open_batches(hash).await? {
			if batch.committed.get(position).copied().unwrap_or(true) || !tried.insert(batch.id) {
				continue;
			}
			let version = batch.members.get(position).map(|m| m.version).unwrap_or(0);
			let outputs = vec![Output::Label(0); batch.requests.len()];
			let ballot = Ballot { version, outputs, salt: rand::random() };
			match voter.reveal_ballot(batch.id, ballot, None).await {
				Ok(()) => tracing::error!(
					target: "faulty",
					"a reveal with no commitment on batch {} was taken",
					batch.id
				),
				Err(e) => {
					tracing::warn!(target: "faulty", "stale reveal on batch {} refused: {e:#}", batch.id)
				}
			}
		}
		if let Err(e) = voter.on_best_block(hash, parent, number).await {
			tracing::warn!(target: "faulty", "at #{number}: {e:#}");
		}
	}
	bail!("the node closed the block stream")
}
