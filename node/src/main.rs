//! `dropbear-node`: a permissioned Substrate node for Dropbear chain.
//!
//! BABE produces blocks in 2-second slots, GRANDPA finalizes them, state lives
//! in ParityDB, and the runtime (Wasm) decides who validates and which peers may
//! connect. One file per job: `cli.rs` (options), `command.rs` (subcommands),
//! `chain_spec.rs` (which presets), `service.rs` (the running node), `rpc.rs`
//! (JSON-RPC methods beyond Substrate's defaults; the `inference_*` methods
//! come from the `pallet-inference-rpc` crate beside the pallet).

mod chain_spec;
mod cli;
mod command;
mod epoch_guard;
mod genesis;
mod rpc;
mod service;
mod try_runtime;

fn main() -> sc_cli::Result<()> {
	command::run()
}
