//! `dropbear-worker`: serve one model of one group.

use anyhow::Result;
use clap::{Parser, Subcommand};
use dropbear_worker::{service, tch_backend::torch_info};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
	name = "dropbear-worker",
	version,
	about = "Serve a model of a Dropbear group: batched TorchScript inference, input gossip, votes on chain"
)]
struct Cli {
	#[command(subcommand)]
	command: Option<Command>,
	#[command(flatten)]
	options: service::Options,
}

#[derive(Subcommand, Debug)]
enum Command {
	/// Print the libtorch build this binary runs with (CUDA availability).
	Info,
}

fn main() -> Result<()> {
	// Before any thread starts, so that every allocation runs under it.
	service::keep_freed_memory();
	service::init_tracing();
	let cli = Cli::parse();
	if let Some(Command::Info) = cli.command {
		println!("dropbear-worker {}", env!("CARGO_PKG_VERSION"));
		println!("{}", torch_info());
		return Ok(());
	}
	service::Runtimes::new(cli.options.data_plane_nice)?.run(|data_plane| run(cli, data_plane))
}

async fn run(cli: Cli, data_plane: tokio::runtime::Handle) -> Result<()> {
	let mut worker = service::start(&cli.options, &data_plane).await?;
	let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
	let mut follower = tokio::spawn(worker.voter.clone().follow(stop_rx));
	// A worker that can no longer follow the chain exits (with its error) so
	// that a supervisor restarts it, rather than taking inputs it cannot vote on.
	tokio::select! {
		_ = service::shutdown_signal() => {},
		result = &mut follower => {
			let _ = worker.rpc_handle.stop();
			worker.http_handle.stop();
			worker.grpc_handle.stop();
			return match result {
				Ok(Ok(())) => Ok(()),
				Ok(Err(e)) => Err(e.context("following the chain")),
				Err(e) => Err(anyhow::anyhow!("the chain follower stopped: {e}")),
			};
		}
	}
	tracing::info!(target: "worker", "shutting down");
	let _ = stop_tx.send(true);
	let _ = worker.rpc_handle.stop();
	worker.http_handle.stop();
	worker.grpc_handle.stop();
	match tokio::time::timeout(Duration::from_secs(10), follower).await {
		Ok(Ok(Err(e))) => Err(e),
		_ => Ok(()),
	}
}
