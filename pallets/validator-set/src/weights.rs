
//! Weights for `pallet_validator_set`, measured by FRAME benchmarks against the Dropbear
//! runtime. Written by `scripts/benchmark-weights.sh`; do not edit by hand.
//!
//! Benchmark CLI 64.0.0, 2026-12-06. Steps 20, repeat 10,
//! Wasm execution `Compiled`, chain `Some("dev")`.
//! Machine `vm`, CPU `AMD EPYC`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, clippy::unnecessary_cast)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weight functions needed by `pallet_validator_set`.
pub trait WeightInfo {
	fn add_validator() -> Weight;
	fn remove_validator() -> Weight;
	fn rotate_session(v: u32, ) -> Weight;
	fn keep_session() -> Weight;
}

/// Weights for a runtime, charged with that runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Session::NextKeys` (r:1 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `ValidatorSet::Validators` (r:1 w:1)
	/// Proof: `ValidatorSet::Validators` (`max_values`: Some(1), `max_size`: Some(3202), added: 3697, mode: `MaxEncodedLen`)
	/// Storage: `ValidatorSet::ChangePlanned` (r:0 w:1)
	/// Proof: `ValidatorSet::ChangePlanned` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	fn add_validator() -> Weight {
		// Minimum execution time: 17_847_000 picoseconds.
		Weight::from_parts(19_859_000, 6945)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `ValidatorSet::Validators` (r:1 w:1)
	/// Proof: `ValidatorSet::Validators` (`max_values`: Some(1), `max_size`: Some(3202), added: 3697, mode: `MaxEncodedLen`)
	/// Storage: `ValidatorSet::ChangePlanned` (r:0 w:1)
	/// Proof: `ValidatorSet::ChangePlanned` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	fn remove_validator() -> Weight {
		// Minimum execution time: 11_947_000 picoseconds.
		Weight::from_parts(13_450_000, 4687)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Session::CurrentIndex` (r:1 w:1)
	/// Proof: `Session::CurrentIndex` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `Session::QueuedChanged` (r:1 w:1)
	/// Proof: `Session::QueuedChanged` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `Session::Validators` (r:1 w:1)
	/// Proof: `Session::Validators` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `Session::QueuedKeys` (r:1 w:1)
	/// Proof: `Session::QueuedKeys` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `Historical::StoredRange` (r:1 w:1)
	/// Proof: `Historical::StoredRange` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `ValidatorSet::ChangePlanned` (r:1 w:1)
	/// Proof: `ValidatorSet::ChangePlanned` (`max_values`: Some(1), `max_size`: Some(1), added: 496, mode: `MaxEncodedLen`)
	/// Storage: `ValidatorSet::Validators` (r:1 w:0)
	/// Proof: `ValidatorSet::Validators` (`max_values`: Some(1), `max_size`: Some(3202), added: 3697, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:100 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `Babe::CurrentSlot` (r:1 w:0)
	/// Proof: `Babe::CurrentSlot` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Babe::GenesisSlot` (r:1 w:0)
	/// Proof: `Babe::GenesisSlot` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Babe::EpochIndex` (r:1 w:1)
	/// Proof: `Babe::EpochIndex` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Babe::SkippedEpochs` (r:1 w:1)
	/// Proof: `Babe::SkippedEpochs` (`max_values`: Some(1), `max_size`: Some(1202), added: 1697, mode: `MaxEncodedLen`)
	/// Storage: `Babe::NextRandomness` (r:1 w:1)
	/// Proof: `Babe::NextRandomness` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// Storage: `Babe::SegmentIndex` (r:1 w:1)
	/// Proof: `Babe::SegmentIndex` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Babe::EpochStart` (r:1 w:1)
	/// Proof: `Babe::EpochStart` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Babe::NextEpochConfig` (r:1 w:0)
	/// Proof: `Babe::NextEpochConfig` (`max_values`: Some(1), `max_size`: Some(17), added: 512, mode: `MaxEncodedLen`)
	/// Storage: `Babe::PendingEpochConfigChange` (r:1 w:0)
	/// Proof: `Babe::PendingEpochConfigChange` (`max_values`: Some(1), `max_size`: Some(18), added: 513, mode: `MaxEncodedLen`)
	/// Storage: `Grandpa::CurrentSetId` (r:1 w:1)
	/// Proof: `Grandpa::CurrentSetId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Grandpa::Stalled` (r:1 w:1)
	/// Proof: `Grandpa::Stalled` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Grandpa::PendingChange` (r:1 w:1)
	/// Proof: `Grandpa::PendingChange` (`max_values`: Some(1), `max_size`: Some(4015), added: 4510, mode: `MaxEncodedLen`)
	/// Storage: `Babe::Authorities` (r:0 w:1)
	/// Proof: `Babe::Authorities` (`max_values`: Some(1), `max_size`: Some(4002), added: 4497, mode: `MaxEncodedLen`)
	/// Storage: `Babe::Randomness` (r:0 w:1)
	/// Proof: `Babe::Randomness` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// Storage: `Babe::NextAuthorities` (r:0 w:1)
	/// Proof: `Babe::NextAuthorities` (`max_values`: Some(1), `max_size`: Some(4002), added: 4497, mode: `MaxEncodedLen`)
	/// Storage: `Historical::HistoricalSessions` (r:0 w:1)
	/// Proof: `Historical::HistoricalSessions` (`max_values`: None, `max_size`: Some(48), added: 2523, mode: `MaxEncodedLen`)
	/// Storage: `Grandpa::SetIdSession` (r:0 w:1)
	/// Proof: `Grandpa::SetIdSession` (`max_values`: None, `max_size`: Some(20), added: 2495, mode: `MaxEncodedLen`)
	/// Storage: `Session::DisabledValidators` (r:0 w:1)
	/// Proof: `Session::DisabledValidators` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Component `v` ranges over `[1, 100]`.
	fn rotate_session(v: u32, ) -> Weight {
		// Minimum execution time: 97_726_000 picoseconds.
		Weight::from_parts(97_398_196, 5500)
			.saturating_add(Weight::from_parts(9_424_065, 0).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(19))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(T::DbWeight::get().writes(20))
			.saturating_add(Weight::from_parts(0, 2681).saturating_mul(v.into()))
	}
	/// Storage: `Babe::Initialized` (r:1 w:1)
	/// Proof: `Babe::Initialized` (`max_values`: Some(1), `max_size`: Some(110), added: 605, mode: `MaxEncodedLen`)
	/// Storage: `Babe::CurrentSlot` (r:1 w:0)
	/// Proof: `Babe::CurrentSlot` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Babe::EpochIndex` (r:1 w:0)
	/// Proof: `Babe::EpochIndex` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Babe::GenesisSlot` (r:1 w:0)
	/// Proof: `Babe::GenesisSlot` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	fn keep_session() -> Weight {
		// Minimum execution time: 5_859_000 picoseconds.
		Weight::from_parts(6_500_000, 1595)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

/// The same weights for mock runtimes and tests, with ParityDB's database weights.
impl WeightInfo for () {
	fn add_validator() -> Weight {
		Weight::from_parts(19_859_000, 6945)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn remove_validator() -> Weight {
		Weight::from_parts(13_450_000, 4687)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn rotate_session(v: u32, ) -> Weight {
		Weight::from_parts(97_398_196, 5500)
			.saturating_add(Weight::from_parts(9_424_065, 0).saturating_mul(v.into()))
			.saturating_add(ParityDbWeight::get().reads(19))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(ParityDbWeight::get().writes(20))
			.saturating_add(Weight::from_parts(0, 2681).saturating_mul(v.into()))
	}
	fn keep_session() -> Weight {
		Weight::from_parts(6_500_000, 1595)
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
}
