//! `dropbear-node try-runtime on-runtime-upgrade`: rehearse a runtime upgrade
//! on a live chain's state before enacting it.
//!
//! The whole state at a block (the latest finalized unless `--at` names
//! another) is read over JSON-RPC into memory and checked against the
//! block's state root. The new runtime replaces `:code` there, and its
//! `TryRuntime_on_runtime_upgrade` entry point runs every migration with its
//! `pre_upgrade` and `post_upgrade` checks and then every pallet's
//! `try_state`. Nothing is written to the chain. The command fails when:
//!
//! - the new runtime is not the chain's (another `spec_name`), or does not
//!   raise `spec_version` (the chain would not run its migrations);
//! - it was built without the `try-runtime` feature (no entry point to call:
//!   build it with `scripts/build-try-runtime.sh`);
//! - a migration or a check fails (the runtime's panic message is printed);
//! - the migrations weigh more than a block may;
//! - the migrations are not idempotent: run a second time on the migrated
//!   state, they must leave its root unchanged.

use codec::{Decode, Encode};
use dropbear_runtime::opaque::Block;
use frame_remote_externalities::{Builder, Mode, OnlineConfig, RemoteExternalities};
use sc_executor::{RuntimeVersion, RuntimeVersionOf, WasmExecutor};
use sp_core::{
	storage::well_known_keys,
	traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode},
	H256,
};
use sp_crypto_hashing::{blake2_256, blake2_64};
use sp_weights::Weight;
use std::{borrow::Cow, path::PathBuf};

/// Rehearse runtime changes against a live chain's state.
#[derive(Debug, clap::Subcommand)]
pub enum TryRuntimeCmd {
	/// Run the new runtime's migrations, with their checks, on the chain's
	/// state at a block; change nothing on chain.
	OnRuntimeUpgrade(OnRuntimeUpgradeCmd),
}

/// Which of the runtime's checks run with the migrations (the runtime's
/// `UpgradeCheckSelect`, in its SCALE order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Encode)]
pub enum Checks {
	/// Migrations only.
	None,
	/// `pre_upgrade`/`post_upgrade` of each migration, then every pallet's `try_state`.
	All,
	/// `pre_upgrade`/`post_upgrade` of each migration.
	PreAndPost,
	/// Every pallet's `try_state` after the migrations.
	TryState,
}

#[derive(Debug, clap::Parser)]
pub struct OnRuntimeUpgradeCmd {
	/// The new runtime (`.wasm`, compact or compressed), built with the
	/// `try-runtime` feature.
	#[arg(long, value_name = "FILE")]
	pub runtime: PathBuf,

	/// A node of the chain, over WebSocket JSON-RPC.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	pub uri: String,

	/// The block whose state to migrate (0x-hex hash); the latest finalized
	/// block by default.
	#[arg(long, value_name = "HASH")]
	pub at: Option<H256>,

	/// Which checks run with the migrations.
	#[arg(long, value_enum, default_value = "all")]
	pub checks: Checks,

	/// Skip running the migrations a second time to check that they are
	/// idempotent.
	#[arg(long)]
	pub no_idempotency_check: bool,
}

type Executor = WasmExecutor<crate::service::HostFunctions>;

/// A runtime blob as the executor takes it.
struct Code {
	blob: Vec<u8>,
	hash: Vec<u8>,
}

impl Code {
	fn new(blob: Vec<u8>) -> Code {
		let hash = blake2_256(&blob).to_vec();
		Code { blob, hash }
	}

	fn call(
		&self,
		executor: &Executor,
		state: &mut RemoteExternalities<Block>,
		method: &str,
		data: &[u8],
	) -> Result<Vec<u8>, String> {
		let fetcher = WrappedRuntimeCode(Cow::Borrowed(&self.blob));
		let code =
			RuntimeCode { code_fetcher: &fetcher, heap_pages: None, hash: self.hash.clone() };
		let mut ext = state.ext();
		executor
			.call(&mut ext, &code, method, data, CallContext::Offchain)
			.0
			.map_err(|e| format!("{method}: {e}"))
	}

	fn version(
		&self,
		executor: &Executor,
		state: &mut RemoteExternalities<Block>,
	) -> Result<RuntimeVersion, String> {
		let fetcher = WrappedRuntimeCode(Cow::Borrowed(&self.blob));
		let code =
			RuntimeCode { code_fetcher: &fetcher, heap_pages: None, hash: self.hash.clone() };
		executor.runtime_version(&mut state.ext(), &code).map_err(|e| e.to_string())
	}
}

/// The weights the runtime reports: the migrations', and a block's limit.
fn decode_weights(bytes: &[u8]) -> Result<(Weight, Weight), String> {
	<(Weight, Weight)>::decode(&mut &bytes[..])
		.map_err(|e| format!("TryRuntime_on_runtime_upgrade returned no weights: {e}"))
}

impl OnRuntimeUpgradeCmd {
	pub fn run(&self) -> Result<(), String> {
		let blob =
			std::fs::read(&self.runtime).map_err(|e| format!("{}: {e}", self.runtime.display()))?;
		let new = Code::new(blob);
		let executor = Executor::builder().with_max_runtime_instances(1).build();

		let runtime = sc_cli::build_runtime().map_err(|e| e.to_string())?;
		let config = OnlineConfig {
			transport_uris: vec![self.uri.clone()],
			at: self.at,
			..Default::default()
		};
		let mut state = runtime
			.block_on(Builder::<Block>::new().mode(Mode::Online(config)).build())
			.map_err(|e| format!("reading the state from {}: {e}", self.uri))?;
		let at = state.header.clone();
		println!(
			"try-runtime: the state at #{} ({:?}) read from {}",
			at.number,
			at.hash(),
			self.uri
		);

		let old = state
			.execute_with(|| sp_io::storage::get(well_known_keys::CODE))
			.ok_or("the chain's state has no :code")?;
		let old = Code::new(old.to_vec());
		let old_version = old.version(&executor, &mut state)?;
		let new_version = new.version(&executor, &mut state)?;
		check_versions(&old_version, &new_version)?;
		println!(
			"try-runtime: {} spec {} -> {}",
			new_version.spec_name, old_version.spec_version, new_version.spec_version
		);

		state.insert(well_known_keys::CODE.to_vec(), new.blob.clone());
		state.commit_all()?;
		let data = self.checks.encode();
		let (used, limit) = decode_weights(&new.call(
			&executor,
			&mut state,
			"TryRuntime_on_runtime_upgrade",
			&data,
		)?)?;
		println!(
			"try-runtime: the migrations weigh ref_time {} ({:.2}% of a block), proof_size {} ({:.2}% of a block)",
			used.ref_time(),
			percent(used.ref_time(), limit.ref_time()),
			used.proof_size(),
			percent(used.proof_size(), limit.proof_size()),
		);
		if used.any_gt(limit) {
			return Err(format!(
				"the migrations weigh {used:?}, more than a block may ({limit:?})"
			));
		}
		state.commit_all()?;
		let migrated = *state.backend.root();

		if !self.no_idempotency_check {
			let again = Checks::None.encode();
			new.call(&executor, &mut state, "TryRuntime_on_runtime_upgrade", &again)?;
			state.commit_all()?;
			let root = *state.backend.root();
			if root != migrated {
				return Err(format!(
					"the migrations are not idempotent: run again, they changed the state root from {migrated:?} to {root:?}"
				));
			}
			println!("try-runtime: run again, the migrations leave the state as it was");
		}
		println!("try-runtime: on-runtime-upgrade passed ({:?} checks)", self.checks);
		Ok(())
	}
}

/// The upgrade must be the same chain's runtime, raise its spec version (or
/// `frame_system` would not run the migrations), and carry the entry point
/// this command calls.
fn check_versions(old: &RuntimeVersion, new: &RuntimeVersion) -> Result<(), String> {
	if new.spec_name != old.spec_name {
		return Err(format!(
			"the new runtime is {}, the chain runs {}",
			new.spec_name, old.spec_name
		));
	}
	if new.spec_version <= old.spec_version {
		return Err(format!(
			"the new runtime's spec_version {} is not above the chain's {}: the chain would not run its migrations",
			new.spec_version, old.spec_version
		));
	}
	if !new.has_api_with(&blake2_64(b"TryRuntime"), |_| true) {
		return Err("the new runtime has no TryRuntime API: build it with the try-runtime \
		            feature (scripts/build-try-runtime.sh)"
			.into());
	}
	Ok(())
}

fn percent(part: u64, whole: u64) -> f64 {
	if whole == 0 {
		return 0.0;
	}
	part as f64 * 100.0 / whole as f64
}
