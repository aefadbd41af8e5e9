//! Command-line options.

/// Dropbear chain node.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,
}

impl Cli {
	/// ParityDB wherever `--database` is not given. sc-cli's own default is
	/// RocksDB once its `rocksdb` feature is on, and the workspace turns it on
	/// (the `eth-rpc` member's `sc-service` has it); this node has always
	/// kept, and keeps, its chain in ParityDB.
	pub fn prefer_parity_db(mut self) -> Self {
		fn prefer(params: &mut sc_cli::DatabaseParams) {
			params.database.get_or_insert(sc_cli::Database::ParityDb);
		}
		prefer(&mut self.run.import_params.database_params);
		match &mut self.subcommand {
			Some(Subcommand::PurgeChain(cmd)) => prefer(&mut cmd.database_params),
			Some(Subcommand::Revert(cmd)) => prefer(&mut cmd.database_params),
			Some(Subcommand::ChainInfo(cmd)) => prefer(&mut cmd.database_params),
			_ => {}
		}
		self
	}
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect, insert keys; node keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Write a chain spec (`--chain dev|local|FILE`) as JSON, optionally raw.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Remove the whole chain database.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain by some blocks (never past the finalized head).
	Revert(sc_cli::RevertCmd),

	/// Print the database's best and finalized blocks.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Rehearse a runtime upgrade on a live chain's state (`try-runtime
	/// on-runtime-upgrade --runtime FILE --uri ws://...`).
	#[command(subcommand)]
	TryRuntime(crate::try_runtime::TryRuntimeCmd),

	/// Run FRAME benchmarks (`benchmark pallet`) to produce weights.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),
}
