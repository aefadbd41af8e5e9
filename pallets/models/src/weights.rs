//! Weights for `pallet-models`. Placeholder until the benchmark CLI writes this
//! file; see `benchmarking.rs`.

#![allow(unused_parens, unused_imports)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by `pallet-models`.
pub trait WeightInfo {
	fn admit_owner() -> Weight;
	fn bond() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn register_model() -> Weight;
	fn publish_version() -> Weight;
	fn retire_model(g: u32) -> Weight;
	fn authorize_worker() -> Weight;
	fn revoke_worker() -> Weight;
	fn create_group() -> Weight;
	fn join_group(m: u32) -> Weight;
	fn leave_group(m: u32) -> Weight;
	fn on_initialize_activations(n: u32) -> Weight;
}

/// Weights for the runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn admit_owner() -> Weight { Weight::from_parts(0, 0) }
	fn bond() -> Weight { Weight::from_parts(0, 0) }
	fn unbond() -> Weight { Weight::from_parts(0, 0) }
	fn withdraw_unbonded() -> Weight { Weight::from_parts(0, 0) }
	fn register_model() -> Weight { Weight::from_parts(0, 0) }
	fn publish_version() -> Weight { Weight::from_parts(0, 0) }
	fn retire_model(_g: u32) -> Weight { Weight::from_parts(0, 0) }
	fn authorize_worker() -> Weight { Weight::from_parts(0, 0) }
	fn revoke_worker() -> Weight { Weight::from_parts(0, 0) }
	fn create_group() -> Weight { Weight::from_parts(0, 0) }
	fn join_group(_m: u32) -> Weight { Weight::from_parts(0, 0) }
	fn leave_group(_m: u32) -> Weight { Weight::from_parts(0, 0) }
	fn on_initialize_activations(_n: u32) -> Weight { Weight::from_parts(0, 0) }
}

impl WeightInfo for () {
	fn admit_owner() -> Weight { Weight::from_parts(0, 0) }
	fn bond() -> Weight { Weight::from_parts(0, 0) }
	fn unbond() -> Weight { Weight::from_parts(0, 0) }
	fn withdraw_unbonded() -> Weight { Weight::from_parts(0, 0) }
	fn register_model() -> Weight { Weight::from_parts(0, 0) }
	fn publish_version() -> Weight { Weight::from_parts(0, 0) }
	fn retire_model(_g: u32) -> Weight { Weight::from_parts(0, 0) }
	fn authorize_worker() -> Weight { Weight::from_parts(0, 0) }
	fn revoke_worker() -> Weight { Weight::from_parts(0, 0) }
	fn create_group() -> Weight { Weight::from_parts(0, 0) }
	fn join_group(_m: u32) -> Weight { Weight::from_parts(0, 0) }
	fn leave_group(_m: u32) -> Weight { Weight::from_parts(0, 0) }
	fn on_initialize_activations(_n: u32) -> Weight { Weight::from_parts(0, 0) }
}
