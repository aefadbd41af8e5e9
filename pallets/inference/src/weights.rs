//! PROVISIONAL: replaced by `scripts/benchmark-weights.sh` output.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, clippy::unnecessary_cast)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weight functions needed by `pallet_inference`.
pub trait WeightInfo {
	fn request_batch(n: u32, ) -> Weight;
	fn request_batch_filling(n: u32, ) -> Weight;
	fn vote(b: u32, ) -> Weight;
	fn close_batch(b: u32, ) -> Weight;
	fn prune_batch(b: u32, ) -> Weight;
}

impl WeightInfo for () {
	fn request_batch(_n: u32, ) -> Weight { Weight::zero() }
	fn request_batch_filling(_n: u32, ) -> Weight { Weight::zero() }
	fn vote(_b: u32, ) -> Weight { Weight::zero() }
	fn close_batch(_b: u32, ) -> Weight { Weight::zero() }
	fn prune_batch(_b: u32, ) -> Weight { Weight::zero() }
}

/// Weights for a runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn request_batch(n: u32, ) -> Weight { Weight::from_parts(100_000_000, 0).saturating_mul(n.into()) }
	fn request_batch_filling(n: u32, ) -> Weight { Weight::from_parts(50_000_000, 0).saturating_mul(n.into()) }
	fn vote(b: u32, ) -> Weight { Weight::from_parts(100_000_000, 0).saturating_mul(b.into()) }
	fn close_batch(b: u32, ) -> Weight { Weight::from_parts(100_000_000, 0).saturating_mul(b.into()) }
	fn prune_batch(b: u32, ) -> Weight { Weight::from_parts(50_000_000, 0).saturating_mul(b.into()) }
}
