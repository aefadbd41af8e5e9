//! The chain's vote path, from the runtime's own benchmarked weights and block
//! limits: how many requests the votes in one block can cover, against the
//! target (10,000) and against what one block can order (`request_batch`
//! into open batches). A vote is two extrinsics, a `commit` and a `reveal`,
//! both counted here as if they shared the block. Prints a table and writes
//! a JSON report.
//!
//! Every figure comes from `pallet_inference::weights::SubstrateWeight<Runtime>`
//! (FRAME benchmarks run against this runtime, worst case: 16-member batches,
//! every request from a different client) and the runtime's `BlockWeights`
//! and `BlockLength`; a vote's length is its SCALE-encoded call plus a signed
//! extrinsic's envelope. Weights are in picoseconds of reference time.

use codec::Encode;
use dropbear_primitives::Output;
use dropbear_runtime::{Runtime, RuntimeCall};
use frame_support::{dispatch::DispatchClass, weights::Weight};
use pallet_inference::WeightInfo;
use serde_json::json;

type W = pallet_inference::weights::SubstrateWeight<Runtime>;

/// Address (33), signature (65) and transaction extensions (era, nonce, tip,
/// metadata-hash mode: about 12) of a signed extrinsic, plus its length prefix.
const ENVELOPE: usize = 114;
const TARGET: f64 = 10_000.0;

fn main() -> anyhow::Result<()> {
	let out = std::env::args().nth(1).unwrap_or_else(|| "benches/reports/chain-vote-path".into());
	let weights = <Runtime as frame_system::Config>::BlockWeights::get();
	let length = <Runtime as frame_system::Config>::BlockLength::get();
	let normal = weights.get(DispatchClass::Normal);
	let budget = normal.max_total.unwrap_or(weights.max_block);
	let base = normal.base_extrinsic;
	let max_len = *length.max.get(DispatchClass::Normal) as usize;
	println!(
		"block: {:.0} ms of normal-class compute (of {:.0} ms), {} KiB of normal-class length; extrinsic base {:.1} µs",
		budget.ref_time() as f64 / 1e9,
		weights.max_block.ref_time() as f64 / 1e9,
		max_len / 1024,
		base.ref_time() as f64 / 1e6,
	);
	let fits = |w: Weight| budget.ref_time() / w.saturating_add(base).ref_time().max(1);
	let commit_len = RuntimeCall::Inference(pallet_inference::Call::commit_for_requests {
		batch: 0,
		requests: [0; 32],
		commitment: [0; 32],
	})
	.encoded_size()
		+ ENVELOPE;

	// Ordering: request_batch of 1,024 into a batch already open this block.
	let order_call = W::request_batch_filling(1024);
	let order_len = 1024 * 32 + 16 + ENVELOPE;
	let ordered_per_block = fits(order_call).min((max_len / order_len) as u64) * 1024;
	println!(
		"ordering: request_batch(1024) {:.2} ms -> {ordered_per_block} requests ordered per block",
		order_call.ref_time() as f64 / 1e9
	);

	println!(
		"{:>6} {:>8} {:>10} {:>9} {:>9} {:>12} {:>12} {:>8}",
		"batch", "members", "vote µs", "vote B", "votes", "requests", "vs target", "vs order"
	);
	let mut rows = Vec::new();
	for members in [4u32, 16] {
		for batch in [1u32, 16, 64, 256, 1024] {
			// Both steps, each with its own extrinsic base weight.
			let vote = W::commit().saturating_add(base).saturating_add(W::reveal(batch));
			let outputs: Vec<Output> = (0..batch).map(Output::Label).collect();
			let call = RuntimeCall::Inference(pallet_inference::Call::reveal {
				batch: 0,
				version: 1,
				outputs,
				salt: [0; 32],
			});
			let vote_len = call.encoded_size() + ENVELOPE + commit_len;
			let by_weight = fits(vote);
			let by_length = (max_len / vote_len) as u64;
			let votes = by_weight.min(by_length);
			// Every member votes once per batch.
			let requests = votes as f64 * f64::from(batch) / f64::from(members);
			println!(
				"{batch:>6} {members:>8} {:>10.1} {vote_len:>9} {votes:>9} {requests:>12.0} {:>12.2} {:>8.2}",
				vote.ref_time() as f64 / 1e6,
				requests / TARGET,
				requests / ordered_per_block as f64
			);
			rows.push(json!({
				"batch": batch, "members": members, "vote_ref_time_us": vote.ref_time() as f64 / 1e6,
				"vote_bytes": vote_len, "votes_by_weight": by_weight, "votes_by_length": by_length,
				"votes_per_block": votes, "requests_covered_per_block": requests,
				"ratio_to_target": requests / TARGET, "ratio_to_ordering": requests / ordered_per_block as f64,
			}));
		}
	}
	let costs: Vec<_> = [1u32, 64, 1024]
		.iter()
		.map(|n| {
			json!({"n": n,
				"request_batch_us": W::request_batch(*n).ref_time() as f64 / 1e6,
				"request_batch_filling_us": W::request_batch_filling(*n).ref_time() as f64 / 1e6,
				"commit_us": W::commit().ref_time() as f64 / 1e6,
				"reveal_us": W::reveal(*n).ref_time() as f64 / 1e6,
				"close_batch_us": W::close_batch(*n).ref_time() as f64 / 1e6,
				"prune_batch_us": W::prune_batch(*n).ref_time() as f64 / 1e6})
		})
		.collect();
	let report = json!({
		"what": "requests whose votes fit one block, from the benchmarked weights and the runtime's block limits",
		"target_requests_per_block": TARGET,
		"block": {"normal_ref_time_ms": budget.ref_time() as f64 / 1e9, "normal_length_bytes": max_len,
			"extrinsic_base_us": base.ref_time() as f64 / 1e6},
		"ordered_requests_per_block": ordered_per_block,
		"rows": rows,
		"extrinsic_costs": costs,
	});
	let path = std::path::PathBuf::from(format!("{out}.json"));
	if let Some(dir) = path.parent() {
		std::fs::create_dir_all(dir)?;
	}
	std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")?;
	println!("report {}", path.display());
	Ok(())
}
