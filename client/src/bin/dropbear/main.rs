//! `dropbear`: the command line of Dropbear chain's users.
//!
//! - a demo: `demo` streams the held-out digits and reports the figures;
//! - dApp clients: `infer` (send inputs, request, print certificates, save
//!   their proofs), `proof`, `checkpoint`, `verify` (offline);
//! - auditors: `audit` (certificate history and members' agreement rates),
//!   `explorer` (the web explorer, with its own index of history);
//! - model owners: `owner bond | unbond | register-model | publish-version |
//!   authorize-worker | join-group`;
//! - everyone: `groups`, `models`.

mod audit;
mod demo;
mod infer;
mod owner;
mod show;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use dropbear_client::{receipt::ProvenReceipt, verify, CertificateProof, Checkpoint, Client};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
	name = "dropbear",
	version,
	about = "Dropbear chain: trustworthy ML inference, from the command line"
)]
struct Cli {
	/// The node's WebSocket JSON-RPC endpoint.
	#[arg(long, env = "DROPBEAR_URL", default_value = "ws://127.0.0.1:9944", global = true)]
	node: String,
	/// Signing key: a dev name or secret URI (//Alice) or a key file.
	#[arg(long, env = "DROPBEAR_KEY", default_value = "//Alice", global = true)]
	key: String,
	#[command(subcommand)]
	command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
	Table,
	Json,
	Csv,
}

#[derive(Subcommand)]
enum Command {
	/// Send inputs to a group's workers, request them, print each certificate.
	Infer(infer::Args),
	/// Stream the held-out digits through a group; report accuracy, throughput, latency.
	Demo(demo::Args),
	/// Save a decided certificate with its finality proof, for `verify`.
	Proof {
		request: u64,
		/// Write here (default: stdout).
		#[arg(long)]
		out: Option<PathBuf>,
		/// Include the authority-set changes since this set (that of your checkpoint).
		#[arg(long, default_value_t = 0)]
		since_set: u64,
	},
	/// Save the GRANDPA authority set the node follows now as a trusted checkpoint.
	Checkpoint {
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Check a saved certificate proof, or a saved quorum receipt, offline;
	/// says which check failed.
	Verify {
		/// A file written by `dropbear proof` or `dropbear infer --save`
		/// (`request-<id>.json`, or `receipt-0x<hash>.json` with --fast).
		proof: PathBuf,
		/// A file written by `dropbear checkpoint` from a node you trust.
		#[arg(long, env = "DROPBEAR_CHECKPOINT")]
		checkpoint: PathBuf,
	},
	/// Certificate history in a block range, and members' agreement rates.
	Audit(audit::Args),
	/// Check the money ledger at the finalized head: every unit of the
	/// issuance in some account, and (with --since) the issuance moved from
	/// that block by exactly the fees, slashes, mints and burns in between.
	/// Exits 1 if not.
	Ledger {
		/// Block to account from (its state must be kept: an archive node).
		#[arg(long)]
		since: Option<u32>,
	},
	/// Model owners' extrinsics.
	#[command(subcommand)]
	Owner(owner::Command),
	/// The model groups on chain.
	Groups {
		#[arg(long, value_enum, default_value = "table")]
		format: Format,
	},
	/// The models on chain.
	Models {
		#[arg(long, value_enum, default_value = "table")]
		format: Format,
	},
	/// Serve the web explorer: certificate history (indexed beyond the
	/// chain's retention into a SQLite file), groups, members, search, exports.
	Explorer {
		/// Serve the pages here.
		#[arg(long, default_value = "127.0.0.1:8088")]
		listen: std::net::SocketAddr,
		/// The index file (created if missing; a restart resumes from it).
		#[arg(long, default_value = "dropbear-explorer.sqlite")]
		db: PathBuf,
		/// Check proofs against this trusted checkpoint (`dropbear
		/// checkpoint`) instead of the set the node named when the index was
		/// created.
		#[arg(long, env = "DROPBEAR_CHECKPOINT")]
		checkpoint: Option<PathBuf>,
	},
	/// A member's record in a group: batches, agreed, dissented, missed,
	/// unavailable, unresolved, equivocated and lied, as the chain counts them.
	Member {
		group: u32,
		model: u32,
		#[arg(long, value_enum, default_value = "table")]
		format: Format,
	},
}

#[tokio::main]
async fn main() {
	let cli = Cli::parse();
	if let Err(e) = run(cli).await {
		eprintln!("error: {e:#}");
		std::process::exit(1);
	}
}

async fn run(cli: Cli) -> Result<()> {
	if let Command::Verify { proof, checkpoint } = &cli.command {
		// Offline: no node is contacted.
		let saved: serde_json::Value = read_json(proof)?;
		let checkpoint: Checkpoint = read_json(checkpoint)?;
		if saved.get("receipt").is_some() {
			let receipt: ProvenReceipt = serde_json::from_value(saved)
				.with_context(|| format!("{} is not a saved receipt", proof.display()))?;
			return match receipt.verify(&checkpoint) {
				Ok(group) => {
					println!(
						"verified: receipt for input 0x{} says {:?}, signed by {} of group {}'s {} members (quorum {}) as the group stood in finalized block #{} (0x{})",
						hex::encode(receipt.receipt.input_hash),
						receipt.receipt.output,
						receipt.receipt.answers.len(),
						group.group,
						group.members.len(),
						group.quorum,
						group.block,
						hex::encode(group.block_hash)
					);
					Ok(())
				}
				Err(e) => Err(anyhow::anyhow!("verification failed: {e}")),
			};
		}
		let proof: CertificateProof = serde_json::from_value(saved)
			.with_context(|| format!("{} is not a certificate proof", proof.display()))?;
		return match verify::verify(&proof, &checkpoint) {
			Ok(v) => {
				println!(
					"verified: request {} {} in finalized block #{} ({:?}), signed by authority set {}",
					v.certificate.request,
					show::outcome(&v.certificate.outcome),
					v.block_number,
					v.block_hash,
					v.set_id
				);
				Ok(())
			}
			Err(e) => Err(anyhow::anyhow!("verification failed: {e}")),
		};
	}
	if let Command::Explorer { listen, db, checkpoint } = &cli.command {
		tracing_subscriber::fmt()
			.with_env_filter(
				tracing_subscriber::EnvFilter::try_from_default_env()
					.unwrap_or_else(|_| "dropbear=info".into()),
			)
			.init();
		// Connects (and reconnects) on its own: it serves while the node is away.
		return dropbear_client::explorer::run(dropbear_client::explorer::Options {
			node: cli.node.clone(),
			listen: *listen,
			db: db.clone(),
			checkpoint: checkpoint.clone(),
		})
		.await;
	}
	let client = Client::connect(&cli.node).await?;
	match cli.command {
		Command::Infer(args) => infer::run(&client, &cli.key, args).await,
		Command::Demo(args) => demo::run(&client, &cli.key, args).await,
		Command::Proof { request, out, since_set } => {
			let proof = client.proof(request, since_set).await?;
			write_json(out.as_deref(), &proof)
		}
		Command::Checkpoint { out } => write_json(out.as_deref(), &client.checkpoint().await?),
		Command::Audit(args) => audit::run(&client, args).await,
		Command::Ledger { since } => {
			let chain = &client.chain;
			let (end, moves) = match since {
				Some(block) => {
					let start = dropbear_client::ledger::ledger_at(chain, block).await?;
					let (end, moves) =
						dropbear_client::ledger::check_ledger_moves(chain, start).await?;
					(end, Some(moves))
				}
				None => {
					let now = dropbear_client::ledger::ledger_now(chain).await?;
					if now.accounts != now.issuance {
						anyhow::bail!(
							"at #{} accounts hold {} but the issuance is {}",
							now.block,
							now.accounts,
							now.issuance
						);
					}
					(now, None)
				}
			};
			println!(
				"{}",
				serde_json::json!({ "conserved": true, "since": since, "at": end, "moves": moves })
			);
			Ok(())
		}
		Command::Owner(command) => owner::run(&client, &cli.key, command).await,
		Command::Groups { format } => show::groups(&client, format).await,
		Command::Models { format } => show::models(&client, format).await,
		Command::Member { group, model, format } => {
			show::member(&client, group, model, format).await
		}
		Command::Verify { .. } | Command::Explorer { .. } => unreachable!("handled above"),
	}
}

pub fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T> {
	let text =
		std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
	serde_json::from_str(&text)
		.with_context(|| format!("{} is not the expected JSON", path.display()))
}

pub fn write_json<T: serde::Serialize>(path: Option<&std::path::Path>, value: &T) -> Result<()> {
	let text = serde_json::to_string_pretty(value)? + "\n";
	match path {
		Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
		None => {
			print!("{text}");
			Ok(())
		}
	}
}
