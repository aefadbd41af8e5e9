//! The pallets whose weights come from FRAME benchmarks run against this runtime
//! (`scripts/benchmark-weights.sh`).

frame_benchmarking::define_benchmarks!(
	[pallet_models, Models]
	[pallet_inference, Inference]
	[pallet_validator_set, ValidatorSet]
);
