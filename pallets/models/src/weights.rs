
//! Weights for `pallet_models`, measured by FRAME benchmarks against the Dropbear
//! runtime. Written by `scripts/benchmark-weights.sh`; do not edit by hand.
//!
//! Benchmark CLI 64.0.0, 2026-12-03. Steps 20, repeat 10,
//! Wasm execution `Compiled`, chain `Some("dev")`.
//! Machine `vm`, CPU `AMD EPYC`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, clippy::unnecessary_cast)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// Weight functions needed by `pallet_models`.
pub trait WeightInfo {
	fn admit_owner() -> Weight;
	fn bond() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn register_model() -> Weight;
	fn publish_version() -> Weight;
	fn retire_model(g: u32, ) -> Weight;
	fn authorize_worker() -> Weight;
	fn revoke_worker() -> Weight;
	fn set_worker_peer() -> Weight;
	fn create_group() -> Weight;
	fn join_group(m: u32, ) -> Weight;
	fn leave_group(m: u32, ) -> Weight;
	fn remove_member(m: u32, ) -> Weight;
	fn remove_owner(m: u32, ) -> Weight;
	fn on_initialize_activations(n: u32, ) -> Weight;
}

/// Weights for a runtime, charged with that runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	fn admit_owner() -> Weight {
		// Minimum execution time: 13_190_000 picoseconds.
		Weight::from_parts(27_120_000, 3866)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(103), added: 2578, mode: `MaxEncodedLen`)
	fn bond() -> Weight {
		// Minimum execution time: 62_253_000 picoseconds.
		Weight::from_parts(96_202_000, 3866)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	fn unbond() -> Weight {
		// Minimum execution time: 14_030_000 picoseconds.
		Weight::from_parts(18_477_000, 3866)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(103), added: 2578, mode: `MaxEncodedLen`)
	fn withdraw_unbonded() -> Weight {
		// Minimum execution time: 54_581_000 picoseconds.
		Weight::from_parts(62_914_000, 3866)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Models::Owners` (r:1 w:0)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Models::NextModelId` (r:1 w:1)
	/// Proof: `Models::NextModelId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Models::OwnerModels` (r:1 w:1)
	/// Proof: `Models::OwnerModels` (`max_values`: None, `max_size`: Some(306), added: 2781, mode: `MaxEncodedLen`)
	/// Storage: `Models::Versions` (r:0 w:1)
	/// Proof: `Models::Versions` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Models::Models` (r:0 w:1)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	fn register_model() -> Weight {
		// Minimum execution time: 24_396_000 picoseconds.
		Weight::from_parts(34_311_000, 3866)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Models::Models` (r:121 w:1)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Storage: `Models::ModelGroups` (r:1 w:0)
	/// Proof: `Models::ModelGroups` (`max_values`: None, `max_size`: Some(45), added: 2520, mode: `MaxEncodedLen`)
	/// Storage: `Models::Groups` (r:8 w:0)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Models::Versions` (r:120 w:1)
	/// Proof: `Models::Versions` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Models::Activations` (r:2 w:2)
	/// Proof: `Models::Activations` (`max_values`: None, `max_size`: Some(270), added: 2745, mode: `MaxEncodedLen`)
	fn publish_version() -> Weight {
		// Minimum execution time: 1_247_552_000 picoseconds.
		Weight::from_parts(1_490_043_000, 322245)
			.saturating_add(T::DbWeight::get().reads(252))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Models::Models` (r:1 w:1)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Storage: `Models::ModelGroups` (r:1 w:1)
	/// Proof: `Models::ModelGroups` (`max_values`: None, `max_size`: Some(45), added: 2520, mode: `MaxEncodedLen`)
	/// Storage: `Models::Groups` (r:8 w:8)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Models::Activations` (r:1 w:1)
	/// Proof: `Models::Activations` (`max_values`: None, `max_size`: Some(270), added: 2745, mode: `MaxEncodedLen`)
	/// Storage: `Models::Workers` (r:0 w:1)
	/// Proof: `Models::Workers` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Models::Versions` (r:0 w:1)
	/// Proof: `Models::Versions` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Models::WorkerPeers` (r:0 w:1)
	/// Proof: `Models::WorkerPeers` (`max_values`: None, `max_size`: Some(599), added: 3074, mode: `MaxEncodedLen`)
	/// Component `g` ranges over `[0, 8]`.
	fn retire_model(g: u32, ) -> Weight {
		// Minimum execution time: 32_439_000 picoseconds.
		Weight::from_parts(65_608_374, 3866)
			.saturating_add(Weight::from_parts(27_787_203, 0).saturating_mul(g.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(g.into())))
			.saturating_add(T::DbWeight::get().writes(6))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(g.into())))
			.saturating_add(Weight::from_parts(0, 3163).saturating_mul(g.into()))
	}
	/// Storage: `Models::Models` (r:1 w:1)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Storage: `Models::Workers` (r:1 w:2)
	/// Proof: `Models::Workers` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Models::WorkerPeers` (r:0 w:1)
	/// Proof: `Models::WorkerPeers` (`max_values`: None, `max_size`: Some(599), added: 3074, mode: `MaxEncodedLen`)
	fn authorize_worker() -> Weight {
		// Minimum execution time: 24_547_000 picoseconds.
		Weight::from_parts(35_302_000, 3645)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Storage: `Models::Models` (r:1 w:1)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Storage: `Models::Workers` (r:0 w:1)
	/// Proof: `Models::Workers` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Models::WorkerPeers` (r:0 w:1)
	/// Proof: `Models::WorkerPeers` (`max_values`: None, `max_size`: Some(599), added: 3074, mode: `MaxEncodedLen`)
	fn revoke_worker() -> Weight {
		// Minimum execution time: 17_426_000 picoseconds.
		Weight::from_parts(23_865_000, 3645)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Models::Workers` (r:1 w:0)
	/// Proof: `Models::Workers` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Models::WorkerPeers` (r:0 w:1)
	/// Proof: `Models::WorkerPeers` (`max_values`: None, `max_size`: Some(599), added: 3074, mode: `MaxEncodedLen`)
	fn set_worker_peer() -> Weight {
		// Minimum execution time: 16_264_000 picoseconds.
		Weight::from_parts(18_397_000, 3517)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Models::Owners` (r:1 w:0)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Models::NextGroupId` (r:1 w:1)
	/// Proof: `Models::NextGroupId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Models::Groups` (r:0 w:1)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	fn create_group() -> Weight {
		// Minimum execution time: 17_586_000 picoseconds.
		Weight::from_parts(25_588_000, 3866)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Models::Models` (r:16 w:0)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Storage: `Models::Groups` (r:1 w:1)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Models::Versions` (r:16 w:0)
	/// Proof: `Models::Versions` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Models::ModelGroups` (r:1 w:1)
	/// Proof: `Models::ModelGroups` (`max_values`: None, `max_size`: Some(45), added: 2520, mode: `MaxEncodedLen`)
	/// Component `m` ranges over `[0, 15]`.
	fn join_group(m: u32, ) -> Weight {
		// Minimum execution time: 37_136_000 picoseconds.
		Weight::from_parts(62_406_112, 4153)
			.saturating_add(Weight::from_parts(13_962_686, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(Weight::from_parts(0, 2655).saturating_mul(m.into()))
	}
	/// Storage: `Models::Models` (r:1 w:0)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Storage: `Models::Groups` (r:1 w:1)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Models::ModelGroups` (r:1 w:1)
	/// Proof: `Models::ModelGroups` (`max_values`: None, `max_size`: Some(45), added: 2520, mode: `MaxEncodedLen`)
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Component `m` ranges over `[1, 16]`.
	fn leave_group(m: u32, ) -> Weight {
		// Minimum execution time: 31_186_000 picoseconds.
		Weight::from_parts(45_029_074, 4153)
			.saturating_add(Weight::from_parts(1_654_632, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Models::Groups` (r:1 w:1)
	/// Proof: `Models::Groups` (`max_values`: None, `max_size`: Some(688), added: 3163, mode: `MaxEncodedLen`)
	/// Storage: `Models::ModelGroups` (r:1 w:1)
	/// Proof: `Models::ModelGroups` (`max_values`: None, `max_size`: Some(45), added: 2520, mode: `MaxEncodedLen`)
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Component `m` ranges over `[1, 16]`.
	fn remove_member(m: u32, ) -> Weight {
		// Minimum execution time: 30_536_000 picoseconds.
		Weight::from_parts(49_790_853, 4153)
			.saturating_add(Weight::from_parts(1_432_994, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Models::Owners` (r:1 w:1)
	/// Proof: `Models::Owners` (`max_values`: None, `max_size`: Some(401), added: 2876, mode: `MaxEncodedLen`)
	/// Storage: `Models::OwnerModels` (r:1 w:0)
	/// Proof: `Models::OwnerModels` (`max_values`: None, `max_size`: Some(306), added: 2781, mode: `MaxEncodedLen`)
	/// Storage: `Models::Models` (r:64 w:64)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Storage: `Models::ModelGroups` (r:64 w:0)
	/// Proof: `Models::ModelGroups` (`max_values`: None, `max_size`: Some(45), added: 2520, mode: `MaxEncodedLen`)
	/// Storage: `Models::Activations` (r:64 w:64)
	/// Proof: `Models::Activations` (`max_values`: None, `max_size`: Some(270), added: 2745, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(103), added: 2578, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Models::Workers` (r:0 w:64)
	/// Proof: `Models::Workers` (`max_values`: None, `max_size`: Some(52), added: 2527, mode: `MaxEncodedLen`)
	/// Storage: `Models::Versions` (r:0 w:64)
	/// Proof: `Models::Versions` (`max_values`: None, `max_size`: Some(65), added: 2540, mode: `MaxEncodedLen`)
	/// Storage: `Models::WorkerPeers` (r:0 w:64)
	/// Proof: `Models::WorkerPeers` (`max_values`: None, `max_size`: Some(599), added: 3074, mode: `MaxEncodedLen`)
	/// Component `m` ranges over `[0, 64]`.
	fn remove_owner(m: u32, ) -> Weight {
		// Minimum execution time: 59_789_000 picoseconds.
		Weight::from_parts(28_761_445, 3866)
			.saturating_add(Weight::from_parts(30_954_239, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(m.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((5_u64).saturating_mul(m.into())))
			.saturating_add(Weight::from_parts(0, 2745).saturating_mul(m.into()))
	}
	/// Storage: `Models::Activations` (r:1 w:1)
	/// Proof: `Models::Activations` (`max_values`: None, `max_size`: Some(270), added: 2745, mode: `MaxEncodedLen`)
	/// Storage: `Models::Models` (r:64 w:64)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(180), added: 2655, mode: `MaxEncodedLen`)
	/// Component `n` ranges over `[0, 64]`.
	fn on_initialize_activations(n: u32, ) -> Weight {
		// Minimum execution time: 4_847_000 picoseconds.
		Weight::from_parts(12_674_692, 3735)
			.saturating_add(Weight::from_parts(10_666_685, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2655).saturating_mul(n.into()))
	}
}

/// The same weights for mock runtimes and tests, with ParityDB's database weights.
impl WeightInfo for () {
	fn admit_owner() -> Weight {
		Weight::from_parts(27_120_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn bond() -> Weight {
		Weight::from_parts(96_202_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn unbond() -> Weight {
		Weight::from_parts(18_477_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(62_914_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn register_model() -> Weight {
		Weight::from_parts(34_311_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn publish_version() -> Weight {
		Weight::from_parts(1_490_043_000, 322245)
			.saturating_add(ParityDbWeight::get().reads(252))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn retire_model(g: u32, ) -> Weight {
		Weight::from_parts(65_608_374, 3866)
			.saturating_add(Weight::from_parts(27_787_203, 0).saturating_mul(g.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(g.into())))
			.saturating_add(ParityDbWeight::get().writes(6))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(g.into())))
			.saturating_add(Weight::from_parts(0, 3163).saturating_mul(g.into()))
	}
	fn authorize_worker() -> Weight {
		Weight::from_parts(35_302_000, 3645)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(4))
	}
	fn revoke_worker() -> Weight {
		Weight::from_parts(23_865_000, 3645)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn set_worker_peer() -> Weight {
		Weight::from_parts(18_397_000, 3517)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn create_group() -> Weight {
		Weight::from_parts(25_588_000, 3866)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn join_group(m: u32, ) -> Weight {
		Weight::from_parts(62_406_112, 4153)
			.saturating_add(Weight::from_parts(13_962_686, 0).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(5))
			.saturating_add(ParityDbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(ParityDbWeight::get().writes(3))
			.saturating_add(Weight::from_parts(0, 2655).saturating_mul(m.into()))
	}
	fn leave_group(m: u32, ) -> Weight {
		Weight::from_parts(45_029_074, 4153)
			.saturating_add(Weight::from_parts(1_654_632, 0).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn remove_member(m: u32, ) -> Weight {
		Weight::from_parts(49_790_853, 4153)
			.saturating_add(Weight::from_parts(1_432_994, 0).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn remove_owner(m: u32, ) -> Weight {
		Weight::from_parts(28_761_445, 3866)
			.saturating_add(Weight::from_parts(30_954_239, 0).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(m.into())))
			.saturating_add(ParityDbWeight::get().writes(3))
			.saturating_add(ParityDbWeight::get().writes((5_u64).saturating_mul(m.into())))
			.saturating_add(Weight::from_parts(0, 2745).saturating_mul(m.into()))
	}
	fn on_initialize_activations(n: u32, ) -> Weight {
		Weight::from_parts(12_674_692, 3735)
			.saturating_add(Weight::from_parts(10_666_685, 0).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(n.into())))
			.saturating_add(ParityDbWeight::get().writes(1))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 2655).saturating_mul(n.into()))
	}
}
