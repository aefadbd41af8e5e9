
//! Weights for `pallet_inference`, measured by FRAME benchmarks against the Dropbear
//! runtime. Written by `scripts/benchmark-weights.sh`; do not edit by hand.
//!
//! Benchmark CLI 64.0.0, 2026-12-05. Steps 20, repeat 10,
//! Wasm execution `Compiled`, chain `Some("dev")`.
//! Machine `vm`, CPU `AMD EPYC`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, clippy::unnecessary_cast)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weight functions needed by `pallet_inference`.
pub trait WeightInfo {
	fn request_batch(n: u32, ) -> Weight;
	fn request_batch_filling(n: u32, ) -> Weight;
	fn commit() -> Weight;
	fn reveal(b: u32, ) -> Weight;
	fn close_batch(b: u32, ) -> Weight;
	fn prune_batch(b: u32, ) -> Weight;
	fn report_lie() -> Weight;
	fn read_certificate(b: u32, ) -> Weight;
	fn read_group_terms(m: u32, ) -> Weight;
}

/// Weights for a runtime, charged with that runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Models::Groups` (r:1 w:0)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Inference::NextRequestId` (r:1 w:1)
	/// Proof: `Inference::NextRequestId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Inference::FillingBatch` (r:1 w:1)
	/// Proof: `Inference::FillingBatch` (`max_values`: None, `max_size`: Some(24), added: 2499, mode: `MaxEncodedLen`)
	/// Storage: `Models::Models` (r:16 w:0)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Storage: `Models::Versions` (r:16 w:0)
	/// Proof: `Models::Versions` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Inference::NextBatchId` (r:1 w:1)
	/// Proof: `Inference::NextBatchId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Inference::BatchRequests` (r:1024 w:1024)
	/// Proof: `Inference::BatchRequests` (`max_values`: None, `max_size`: Some(73746), added: 76221, mode: `MaxEncodedLen`)
	/// Storage: `Inference::OpenBatches` (r:0 w:1024)
	/// Proof: `Inference::OpenBatches` (`max_values`: None, `max_size`: Some(32), added: 2507, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Batches` (r:0 w:1024)
	/// Proof: `Inference::Batches` (`max_values`: None, `max_size`: Some(1228), added: 3703, mode: `MaxEncodedLen`)
	/// Storage: `Inference::RequestsDigests` (r:0 w:1024)
	/// Proof: `Inference::RequestsDigests` (`max_values`: None, `max_size`: Some(48), added: 2523, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Requests` (r:0 w:1024)
	/// Proof: `Inference::Requests` (`max_values`: None, `max_size`: Some(28), added: 2503, mode: `MaxEncodedLen`)
	/// Component `n` ranges over `[1, 1024]`.
	fn request_batch(n: u32, ) -> Weight {
		// Minimum execution time: 236_722_000 picoseconds.
		Weight::from_parts(237_745_000, 43470)
			.saturating_add(Weight::from_parts(133_873_914, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(38))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(5))
			.saturating_add(T::DbWeight::get().writes((5_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 76221).saturating_mul(n.into()))
	}
	/// Storage: `Models::Groups` (r:1 w:0)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Inference::NextRequestId` (r:1 w:1)
	/// Proof: `Inference::NextRequestId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Inference::FillingBatch` (r:1 w:0)
	/// Proof: `Inference::FillingBatch` (`max_values`: None, `max_size`: Some(24), added: 2499, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Batches` (r:1 w:1)
	/// Proof: `Inference::Batches` (`max_values`: None, `max_size`: Some(1228), added: 3703, mode: `MaxEncodedLen`)
	/// Storage: `Inference::RequestsDigests` (r:1 w:1)
	/// Proof: `Inference::RequestsDigests` (`max_values`: None, `max_size`: Some(48), added: 2523, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Inference::BatchRequests` (r:1 w:1)
	/// Proof: `Inference::BatchRequests` (`max_values`: None, `max_size`: Some(73746), added: 76221, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Requests` (r:0 w:1023)
	/// Proof: `Inference::Requests` (`max_values`: None, `max_size`: Some(28), added: 2503, mode: `MaxEncodedLen`)
	/// Component `n` ranges over `[1, 1023]`.
	fn request_batch_filling(n: u32, ) -> Weight {
		// Minimum execution time: 107_430_000 picoseconds.
		Weight::from_parts(108_592_000, 77211)
			.saturating_add(Weight::from_parts(53_080_075, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(6))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(n.into())))
	}
	/// Storage: `Inference::Batches` (r:1 w:0)
	/// Proof: `Inference::Batches` (`max_values`: None, `max_size`: Some(1228), added: 3703, mode: `MaxEncodedLen`)
	/// Storage: `Models::Workers` (r:1 w:0)
	/// Proof: `Models::Workers` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Models::Groups` (r:1 w:0)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Inference::RequestsDigests` (r:1 w:0)
	/// Proof: `Inference::RequestsDigests` (`max_values`: None, `max_size`: Some(48), added: 2523, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Commitments` (r:1 w:1)
	/// Proof: `Inference::Commitments` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Inference::LastSlashWindow` (r:1 w:1)
	/// Proof: `Inference::LastSlashWindow` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Inference::MemberRecords` (r:1 w:1)
	/// Proof: `Inference::MemberRecords` (`max_values`: None, `max_size`: Some(88), added: 2563, mode: `MaxEncodedLen`)
	fn commit() -> Weight {
		// Minimum execution time: 102_893_000 picoseconds.
		Weight::from_parts(109_703_000, 4693)
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	/// Storage: `Inference::Batches` (r:1 w:1)
	/// Proof: `Inference::Batches` (`max_values`: None, `max_size`: Some(1228), added: 3703, mode: `MaxEncodedLen`)
	/// Storage: `Models::Workers` (r:1 w:0)
	/// Proof: `Models::Workers` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Models::Groups` (r:1 w:0)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Models::Owners` (r:1 w:0)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Commitments` (r:1 w:0)
	/// Proof: `Inference::Commitments` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Votes` (r:16 w:1)
	/// Proof: `Inference::Votes` (`max_values`: None, `max_size`: Some(67618), added: 70093, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Decisions` (r:1 w:1)
	/// Proof: `Inference::Decisions` (`max_values`: None, `max_size`: Some(93202), added: 95677, mode: `MaxEncodedLen`)
	/// Storage: `Inference::BatchRequests` (r:1 w:0)
	/// Proof: `Inference::BatchRequests` (`max_values`: None, `max_size`: Some(73746), added: 76221, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Revealers` (r:0 w:1)
	/// Proof: `Inference::Revealers` (`max_values`: None, `max_size`: Some(61), added: 2536, mode: `MaxEncodedLen`)
	/// Component `b` ranges over `[1, 1024]`.
	fn reveal(b: u32, ) -> Weight {
		// Minimum execution time: 124_406_000 picoseconds.
		Weight::from_parts(135_501_048, 1122478)
			.saturating_add(Weight::from_parts(987_013, 0).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(23))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Inference::NextToClose` (r:1 w:1)
	/// Proof: `Inference::NextToClose` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Batches` (r:2 w:1)
	/// Proof: `Inference::Batches` (`max_values`: None, `max_size`: Some(1228), added: 3703, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Decisions` (r:1 w:1)
	/// Proof: `Inference::Decisions` (`max_values`: None, `max_size`: Some(93202), added: 95677, mode: `MaxEncodedLen`)
	/// Storage: `Inference::BatchRequests` (r:1 w:0)
	/// Proof: `Inference::BatchRequests` (`max_values`: None, `max_size`: Some(73746), added: 76221, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Votes` (r:16 w:0)
	/// Proof: `Inference::Votes` (`max_values`: None, `max_size`: Some(67618), added: 70093, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1024 w:1024)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1024 w:1024)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `Inference::MemberRecords` (r:16 w:16)
	/// Proof: `Inference::MemberRecords` (`max_values`: None, `max_size`: Some(88), added: 2563, mode: `MaxEncodedLen`)
	/// Storage: `Inference::OpenBatches` (r:0 w:1)
	/// Proof: `Inference::OpenBatches` (`max_values`: None, `max_size`: Some(32), added: 2507, mode: `MaxEncodedLen`)
	/// Storage: `Inference::RequestsDigests` (r:0 w:1)
	/// Proof: `Inference::RequestsDigests` (`max_values`: None, `max_size`: Some(48), added: 2523, mode: `MaxEncodedLen`)
	/// Component `b` ranges over `[1, 1024]`.
	fn close_batch(b: u32, ) -> Weight {
		// Minimum execution time: 230_112_000 picoseconds.
		Weight::from_parts(230_293_000, 1122478)
			.saturating_add(Weight::from_parts(48_717_245, 0).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(37))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(b.into())))
			.saturating_add(T::DbWeight::get().writes(21))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(b.into())))
			.saturating_add(Weight::from_parts(0, 2632).saturating_mul(b.into()))
	}
	/// Storage: `Inference::NextToPrune` (r:1 w:1)
	/// Proof: `Inference::NextToPrune` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Inference::NextToClose` (r:1 w:0)
	/// Proof: `Inference::NextToClose` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Batches` (r:1 w:1)
	/// Proof: `Inference::Batches` (`max_values`: None, `max_size`: Some(1228), added: 3703, mode: `MaxEncodedLen`)
	/// Storage: `Inference::BatchRequests` (r:1 w:1)
	/// Proof: `Inference::BatchRequests` (`max_values`: None, `max_size`: Some(73746), added: 76221, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Votes` (r:16 w:16)
	/// Proof: `Inference::Votes` (`max_values`: None, `max_size`: Some(67618), added: 70093, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Revealers` (r:16 w:16)
	/// Proof: `Inference::Revealers` (`max_values`: None, `max_size`: Some(61), added: 2536, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Commitments` (r:16 w:16)
	/// Proof: `Inference::Commitments` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Decisions` (r:0 w:1)
	/// Proof: `Inference::Decisions` (`max_values`: None, `max_size`: Some(93202), added: 95677, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Requests` (r:0 w:1024)
	/// Proof: `Inference::Requests` (`max_values`: None, `max_size`: Some(28), added: 2503, mode: `MaxEncodedLen`)
	/// Component `b` ranges over `[1, 1024]`.
	fn prune_batch(b: u32, ) -> Weight {
		// Minimum execution time: 79_859_000 picoseconds.
		Weight::from_parts(46_241_752, 1122478)
			.saturating_add(Weight::from_parts(1_626_746, 0).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(52))
			.saturating_add(T::DbWeight::get().writes(52))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(b.into())))
	}
	/// Storage: `Inference::Requests` (r:1 w:0)
	/// Proof: `Inference::Requests` (`max_values`: None, `max_size`: Some(28), added: 2503, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Batches` (r:1 w:0)
	/// Proof: `Inference::Batches` (`max_values`: None, `max_size`: Some(1228), added: 3703, mode: `MaxEncodedLen`)
	/// Storage: `System::BlockHash` (r:1 w:0)
	/// Proof: `System::BlockHash` (`max_values`: None, `max_size`: Some(44), added: 2519, mode: `MaxEncodedLen`)
	/// Storage: `Inference::BatchRequests` (r:1 w:0)
	/// Proof: `Inference::BatchRequests` (`max_values`: None, `max_size`: Some(73746), added: 76221, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Revealers` (r:1 w:1)
	/// Proof: `Inference::Revealers` (`max_values`: None, `max_size`: Some(61), added: 2536, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Votes` (r:1 w:0)
	/// Proof: `Inference::Votes` (`max_values`: None, `max_size`: Some(67618), added: 70093, mode: `MaxEncodedLen`)
	/// Storage: `Inference::MemberRecords` (r:1 w:1)
	/// Proof: `Inference::MemberRecords` (`max_values`: None, `max_size`: Some(88), added: 2563, mode: `MaxEncodedLen`)
	/// Storage: `Inference::LastSlashWindow` (r:1 w:1)
	/// Proof: `Inference::LastSlashWindow` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(157), added: 2632, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	fn report_lie() -> Weight {
		// Minimum execution time: 371_484_000 picoseconds.
		Weight::from_parts(408_619_000, 77211)
			.saturating_add(T::DbWeight::get().reads(11))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	/// Storage: `Inference::Requests` (r:1 w:0)
	/// Proof: `Inference::Requests` (`max_values`: None, `max_size`: Some(28), added: 2503, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Batches` (r:1 w:0)
	/// Proof: `Inference::Batches` (`max_values`: None, `max_size`: Some(1228), added: 3703, mode: `MaxEncodedLen`)
	/// Storage: `Inference::BatchRequests` (r:1 w:0)
	/// Proof: `Inference::BatchRequests` (`max_values`: None, `max_size`: Some(73746), added: 76221, mode: `MaxEncodedLen`)
	/// Storage: `Inference::Decisions` (r:1 w:0)
	/// Proof: `Inference::Decisions` (`max_values`: None, `max_size`: Some(93202), added: 95677, mode: `MaxEncodedLen`)
	/// Component `b` ranges over `[1, 1024]`.
	fn read_certificate(b: u32, ) -> Weight {
		// Minimum execution time: 27_861_000 picoseconds.
		Weight::from_parts(38_953_200, 96667)
			.saturating_add(Weight::from_parts(127_205, 0).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(4))
	}
	/// Storage: `Models::Groups` (r:1 w:0)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Models::Models` (r:16 w:0)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Storage: `Models::Versions` (r:16 w:0)
	/// Proof: `Models::Versions` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Component `m` ranges over `[1, 16]`.
	fn read_group_terms(m: u32, ) -> Weight {
		// Minimum execution time: 18_347_000 picoseconds.
		Weight::from_parts(13_541_142, 4153)
			.saturating_add(Weight::from_parts(8_466_940, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(Weight::from_parts(0, 2655).saturating_mul(m.into()))
	}
}

/// The same weights for mock runtimes and tests, with ParityDB's database weights.
impl WeightInfo for () {
	fn request_batch(n: u32, ) -> Weight {
		Weight::from_parts(237_745_000, 43470)
			.saturating_add(Weight::from_parts(133_873_914, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(38))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(5))
			.saturating_add(ParityDbWeight::get().writes((5_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 76221).saturating_mul(n.into()))
	}
	fn request_batch_filling(n: u32, ) -> Weight {
		Weight::from_parts(108_592_000, 77211)
			.saturating_add(Weight::from_parts(53_080_075, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(8))
			.saturating_add(ParityDbWeight::get().writes(6))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(n.into())))
	}
	fn commit() -> Weight {
		Weight::from_parts(109_703_000, 4693)
			.saturating_add(ParityDbWeight::get().reads(10))
			.saturating_add(ParityDbWeight::get().writes(6))
	}
	fn reveal(b: u32, ) -> Weight {
		Weight::from_parts(135_501_048, 1122478)
			.saturating_add(Weight::from_parts(987_013, 0).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(23))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn close_batch(b: u32, ) -> Weight {
		Weight::from_parts(230_293_000, 1122478)
			.saturating_add(Weight::from_parts(48_717_245, 0).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(37))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(b.into())))
			.saturating_add(ParityDbWeight::get().writes(21))
			.saturating_add(ParityDbWeight::get().writes((2_u64).saturating_mul(b.into())))
			.saturating_add(Weight::from_parts(0, 2632).saturating_mul(b.into()))
	}
	fn prune_batch(b: u32, ) -> Weight {
		Weight::from_parts(46_241_752, 1122478)
			.saturating_add(Weight::from_parts(1_626_746, 0).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(52))
			.saturating_add(ParityDbWeight::get().writes(52))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(b.into())))
	}
	fn report_lie() -> Weight {
		Weight::from_parts(408_619_000, 77211)
			.saturating_add(ParityDbWeight::get().reads(11))
			.saturating_add(ParityDbWeight::get().writes(6))
	}
	fn read_certificate(b: u32, ) -> Weight {
		Weight::from_parts(38_953_200, 96667)
			.saturating_add(Weight::from_parts(127_205, 0).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
	}
	fn read_group_terms(m: u32, ) -> Weight {
		Weight::from_parts(13_541_142, 4153)
			.saturating_add(Weight::from_parts(8_466_940, 0).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(Weight::from_parts(0, 2655).saturating_mul(m.into()))
	}
}
