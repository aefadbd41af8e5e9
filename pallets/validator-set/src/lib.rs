//! # Validator set pallet
//!
//! Dropbear chain is permissioned: the accounts that author blocks (BABE) and
//! vote on finality (GRANDPA) are chosen by governance, not by stake. This
//! pallet holds that choice and hands it to `pallet-session`.
//!
//! ## Terms
//!
//! - **Validator set**: the accounts this pallet will hand to the session
//!   pallet at the next rotation. Sorted, without duplicates.
//! - **Planned change**: a flag set whenever the set changes; at the next
//!   session rotation the new set is handed over and the flag cleared. BABE and
//!   GRANDPA pick it up one session later (the session pallet queues a set one
//!   session ahead), so a validator added in session `n` authors from `n + 2`.
//!
//! ## How to use
//!
//! - `add_validator(who)`: [`Config::AddRemoveOrigin`] (root on Dropbear chain)
//!   adds an account that has already registered session keys with
//!   `session.set_keys`.
//! - `remove_validator(who)`: the same origin removes one, never going below
//!   [`Config::MinValidators`].
//!
//! ## Session rotation
//!
//! This pallet's `on_initialize` rotates sessions, in place of
//! `pallet-session`'s own hook: the runtime's [`Config::SessionRotation`] says
//! when a session ends (BABE's epoch change) and rotates it. `pallet-session`
//! cannot know what a rotation costs in a given runtime (with staking it can
//! be anything), so its hook books the whole block, and a block that rotates
//! takes no transactions: one block in every session ordered nothing and held
//! up every vote due in it. Here a rotation hands over at most
//! [`Config::MaxValidators`] validators, and its weight comes from a benchmark
//! of the runtime's own rotation at that size (`rotate_session`). The runtime
//! sets `pallet_session::Config::ShouldEndSession` to one that never ends a
//! session, so that only this hook rotates.
//!
//! ## Offences
//!
//! The pallet is the runtime's `OnOffenceHandler`: a validator reported for a
//! BABE or GRANDPA equivocation is dropped from the planned set (unless that
//! would go below the minimum) and an event says so. There is no stake to slash
//! here: a permissioned chain answers misbehaviour by removing the operator, and
//! root may add it back.
//!
//! ## Design choices
//!
//! - The check that an account has session keys is a [`Config::KeysRegistered`]
//!   predicate rather than a read of `pallet-session` storage, so that the
//!   pallet's tests need no session pallet and the runtime decides what counts.
//! - The set is a bounded vector kept sorted: membership is a binary search and
//!   the whole set is one storage value that the session pallet reads once per
//!   rotation.
//! - Call weights come from FRAME benchmarks (`benchmarking.rs`) run against
//!   the runtime by `scripts/benchmark-weights.sh`, each at its worst case: the
//!   set at its largest and the change at the front of the sorted set. An
//!   account only passes [`Config::KeysRegistered`] once it has keys, so the
//!   benchmarks ask the runtime's `BenchmarkHelper` to register them.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub mod weights;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Contains, BoundedVec};
use frame_system::pallet_prelude::*;
use sp_runtime::Perbill;
use sp_staking::{
	offence::{OffenceDetails, OnOffenceHandler},
	SessionIndex,
};

const LOG_TARGET: &str = "runtime::validator-set";

#[frame_support::pallet]
// FRAME's storage, pallet and error macros expand to `expect()` in this
// module; the hand-written code here uses none (and keeps the other lints).
#[allow(clippy::expect_used)]
pub mod pallet {
	use super::*;

	/// Storage layout version; bump with a migration in `migrations/`.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who may add and remove validators (root on Dropbear chain).
		type AddRemoveOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Whether an account has registered session keys. A validator without
		/// keys could never author, so adding one is refused.
		type KeysRegistered: Contains<Self::AccountId>;

		/// The largest validator set.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// The smallest validator set; removals and offences never go below it.
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// When a session ends and how it rotates; asked by this pallet's
		/// `on_initialize` every block (see "Session rotation" above).
		type SessionRotation: SessionRotation<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls, from `weights.rs`
		/// (`weights::SubstrateWeight<Runtime>` in a runtime, `()` in tests).
		type WeightInfo: WeightInfo;

		/// Benchmarks only: gives an account what [`Config::KeysRegistered`]
		/// looks for, so that `add_validator` can be measured in its success path.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The validator set handed to the session pallet at the next rotation.
	/// Sorted, no duplicates.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Whether [`Validators`] changed since the session pallet last took it.
	#[pallet::storage]
	pub type ChangePlanned<T: Config> = StorageValue<_, bool, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The validators of the first session. Leave empty only to let the
		/// session pallet's genesis keys decide.
		pub initial_validators: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		// A chain spec with an impossible validator set must not start at all.
		#[allow(clippy::expect_used)]
		fn build(&self) {
			let mut set = self.initial_validators.clone();
			set.sort();
			set.dedup();
			// An empty list leaves the first validators to the session pallet's
			// genesis keys (and makes `GenesisConfig::default()` buildable); a
			// list that is given must be a usable set.
			assert!(
				set.is_empty() || set.len() >= T::MinValidators::get() as usize,
				"genesis validator set is smaller than MinValidators"
			);
			let bounded: BoundedVec<_, T::MaxValidators> =
				set.try_into().expect("genesis validator set is larger than MaxValidators");
			Validators::<T>::put(bounded);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A validator was added; it authors from two sessions on.
		ValidatorAdded { who: T::AccountId },
		/// A validator was removed; it stops authoring two sessions on.
		ValidatorRemoved { who: T::AccountId },
		/// A validator reported for an offence was dropped from the planned set.
		ValidatorRemovedForOffence { who: T::AccountId, session: SessionIndex },
		/// A validator reported for an offence was kept, because removing it would
		/// leave fewer than `MinValidators`.
		OffenderKept { who: T::AccountId, session: SessionIndex },
		/// A new validator set was handed to the session pallet.
		NewSetPlanned { session: SessionIndex, validators: u32 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a validator; nothing to add.
		AlreadyValidator,
		/// The account is not a validator; nothing to remove.
		NotValidator,
		/// The set is full (`MaxValidators`); remove one first.
		TooManyValidators,
		/// Removing this validator would leave fewer than `MinValidators`.
		TooFewValidators,
		/// The account has no session keys; it must call `session.set_keys` first.
		NoSessionKeys,
		/// The chain spec left the set empty (the session pallet's genesis keys
		/// chose the validators): this pallet cannot change a set it never held.
		SetNotConfigured,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Ask whether the session ends, and rotate it when it does: charged
		/// the check and, then, a rotation of the largest set the pallet can
		/// plan.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let check = T::WeightInfo::keep_session();
			if T::SessionRotation::should_rotate(now) {
				T::SessionRotation::rotate();
				check.saturating_add(T::WeightInfo::rotate_session(T::MaxValidators::get()))
			} else {
				check
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Add `who` to the validator set. It authors from two sessions on.
		///
		/// - Origin: [`Config::AddRemoveOrigin`] (root).
		/// - `who`: an account that has registered session keys.
		///
		/// No deposit. Complexity: O(V) in the number of validators (a sorted insert).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_validator())]
		pub fn add_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AddRemoveOrigin::ensure_origin(origin)?;
			ensure!(T::KeysRegistered::contains(&who), Error::<T>::NoSessionKeys);
			Validators::<T>::try_mutate(|set| -> DispatchResult {
				ensure!(!set.is_empty(), Error::<T>::SetNotConfigured);
				let at = match set.binary_search(&who) {
					Ok(_) => return Err(Error::<T>::AlreadyValidator.into()),
					Err(at) => at,
				};
				set.try_insert(at, who.clone()).map_err(|_| Error::<T>::TooManyValidators)?;
				Ok(())
			})?;
			ChangePlanned::<T>::put(true);
			Self::deposit_event(Event::ValidatorAdded { who });
			Ok(())
		}

		/// Remove `who` from the validator set. It stops authoring two sessions on.
		///
		/// - Origin: [`Config::AddRemoveOrigin`] (root).
		/// - `who`: a current validator.
		///
		/// No deposit. Complexity: O(V).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_validator())]
		pub fn remove_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AddRemoveOrigin::ensure_origin(origin)?;
			Validators::<T>::try_mutate(|set| -> DispatchResult {
				let at = set.binary_search(&who).map_err(|_| Error::<T>::NotValidator)?;
				ensure!(set.len() > T::MinValidators::get() as usize, Error::<T>::TooFewValidators);
				set.remove(at);
				Ok(())
			})?;
			ChangePlanned::<T>::put(true);
			Self::deposit_event(Event::ValidatorRemoved { who });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The validators planned for the next rotation.
		pub fn validators() -> Vec<T::AccountId> {
			Validators::<T>::get().into_inner()
		}

		/// Invariants: the set is sorted, has no duplicates, and is no smaller than
		/// `MinValidators`.
		#[cfg(any(test, feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let set = Validators::<T>::get();
			ensure!(
				set.windows(2).all(|w| matches!(w, [a, b] if a < b)),
				"validator set is not sorted and unique"
			);
			ensure!(
				set.is_empty() || set.len() >= T::MinValidators::get() as usize,
				"validator set is smaller than MinValidators"
			);
			Ok(())
		}

		/// Drop an offender from the planned set, keeping at least `MinValidators`.
		pub(crate) fn remove_offender(who: &T::AccountId, session: SessionIndex) {
			let removed = Validators::<T>::mutate(|set| match set.binary_search(who) {
				Ok(at) if set.len() > T::MinValidators::get() as usize => {
					set.remove(at);
					Some(true)
				}
				Ok(_) => Some(false),
				Err(_) => None,
			});
			match removed {
				Some(true) => {
					ChangePlanned::<T>::put(true);
					log::warn!(target: LOG_TARGET, "validator {who:?} removed for an offence");
					Self::deposit_event(Event::ValidatorRemovedForOffence {
						who: who.clone(),
						session,
					});
				}
				Some(false) => {
					log::warn!(target: LOG_TARGET, "offender {who:?} kept: set at its minimum");
					Self::deposit_event(Event::OffenderKept { who: who.clone(), session });
				}
				// Already gone (reported twice, or removed by root meanwhile).
				None => {}
			}
		}
	}
}

/// When the runtime's sessions end and how they rotate (on Dropbear chain:
/// at BABE's epoch change, by `pallet_session::Pallet::rotate_session`).
pub trait SessionRotation<BlockNumber> {
	/// Whether the session ends in block `now`.
	fn should_rotate(now: BlockNumber) -> bool;
	/// End the session: the queued validators take over and the planned set is
	/// queued.
	fn rotate();
}

/// Benchmarks only: how the runtime makes an account pass [`Config::KeysRegistered`].
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Register session keys (or whatever `KeysRegistered` checks) for `who`.
	fn register_keys(who: &AccountId);
}

/// For runtimes whose `KeysRegistered` already accepts the benchmark accounts
/// (the mock's does).
#[cfg(feature = "runtime-benchmarks")]
impl<AccountId> BenchmarkHelper<AccountId> for () {
	fn register_keys(_who: &AccountId) {}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		if !ChangePlanned::<T>::take() {
			return None;
		}
		let set = Self::validators();
		Self::deposit_event(Event::NewSetPlanned {
			session: new_index,
			validators: set.len().try_into().unwrap_or(u32::MAX),
		});
		Some(set)
	}

	fn new_session_genesis(_new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		let set = Self::validators();
		(!set.is_empty()).then_some(set)
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(_start_index: SessionIndex) {}
}

/// The historical session pallet wraps the manager and needs the full
/// identification of each validator: on a permissioned chain there is none
/// beyond the account itself.
impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session(new_index)
			.map(|set| set.into_iter().map(|v| (v, ())).collect())
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
			.map(|set| set.into_iter().map(|v| (v, ())).collect())
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(_start_index: SessionIndex) {}
}

impl<T: Config, Reporter, Identification>
	OnOffenceHandler<Reporter, (T::AccountId, Identification), Weight> for Pallet<T>
{
	fn on_offence(
		offenders: &[OffenceDetails<Reporter, (T::AccountId, Identification)>],
		_slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		for details in offenders {
			Self::remove_offender(&details.offender.0, session);
		}
		let n = offenders.len() as u64;
		T::DbWeight::get().reads_writes(n, n.saturating_mul(2))
	}
}
