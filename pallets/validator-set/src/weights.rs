//! Weights for `pallet-validator-set`.
//!
//! Counted from the storage each call touches (one read and two writes of small
//! values, the set bounded by `MaxValidators`) plus a fixed execution allowance;
//! the set is tiny and the calls are root-only, so they are not on any hot path.

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by this pallet.
pub trait WeightInfo {
	fn add_validator() -> Weight;
	fn remove_validator() -> Weight;
}

/// Weights from the storage accesses of each call, for any runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);

/// Execution allowance for a sorted insert or removal in a set of at most a few
/// hundred accounts: generous against the measured cost of `pallet-session`'s
/// comparable calls.
const EXECUTION: u64 = 20_000_000;

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn add_validator() -> Weight {
		Weight::from_parts(EXECUTION, 1_024).saturating_add(T::DbWeight::get().reads_writes(2, 2))
	}
	fn remove_validator() -> Weight {
		Weight::from_parts(EXECUTION, 1_024).saturating_add(T::DbWeight::get().reads_writes(1, 2))
	}
}

impl WeightInfo for () {
	fn add_validator() -> Weight {
		Weight::from_parts(EXECUTION, 1_024)
	}
	fn remove_validator() -> Weight {
		Weight::from_parts(EXECUTION, 1_024)
	}
}
