//! Benchmarks of `pallet-validator-set`, each at its worst case: the set as
//! large as the call allows (`MaxValidators` after the call for an addition,
//! before it for a removal), and the account changed at the front of the
//! sorted set, so that every other validator shifts.
//!
//! The session rotation is measured through the runtime's own
//! [`Config::SessionRotation`]: on Dropbear chain that is `pallet-session`
//! with BABE, GRANDPA and the historical session roots.
//!
//! Setup that cannot be built for a runtime's `Config` (a maximum too small
//! for a set above the minimum) is reported as a `BenchmarkError`, not a panic:
//! this code compiles into the runtime's benchmark build.

use super::*;
use frame_benchmarking::v2::*;

const SEED: u32 = 0;

/// `n` distinct accounts, sorted as the set keeps them.
fn sorted_accounts<T: Config>(n: u32) -> Vec<T::AccountId> {
	let mut accounts: Vec<T::AccountId> = (0..n).map(|i| account("validator", i, SEED)).collect();
	accounts.sort();
	accounts.dedup();
	accounts
}

/// Make `set` (sorted, unique) the planned validator set.
fn plan_set<T: Config>(set: Vec<T::AccountId>) -> Result<(), BenchmarkError> {
	let bounded: BoundedVec<_, T::MaxValidators> =
		set.try_into().map_err(|_| BenchmarkError::Stop("set larger than MaxValidators"))?;
	Validators::<T>::put(bounded);
	Ok(())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `MaxValidators - 1` validators, and the new one sorts before all of them.
	#[benchmark]
	fn add_validator() -> Result<(), BenchmarkError> {
		let origin =
			T::AddRemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let mut accounts = sorted_accounts::<T>(T::MaxValidators::get()).into_iter();
		let who = accounts.next().ok_or(BenchmarkError::Weightless)?;
		let set: Vec<_> = accounts.collect();
		// An empty set is refused (`SetNotConfigured`); a set below the minimum
		// cannot exist.
		if set.is_empty() || (set.len() as u32) < T::MinValidators::get() {
			return Err(BenchmarkError::Weightless);
		}
		plan_set::<T>(set)?;
		T::BenchmarkHelper::register_keys(&who);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		let set = Validators::<T>::get();
		ensure!(set.first() == Some(&who), BenchmarkError::Stop("not added at the front"));
		ensure!(
			set.len() as u32 == T::MaxValidators::get(),
			BenchmarkError::Stop("set not full after the addition")
		);
		ensure!(ChangePlanned::<T>::get(), BenchmarkError::Stop("change not planned"));
		Ok(())
	}

	/// A full set (`MaxValidators`), and the removed validator is its first.
	#[benchmark]
	fn remove_validator() -> Result<(), BenchmarkError> {
		let origin =
			T::AddRemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let set = sorted_accounts::<T>(T::MaxValidators::get());
		let who = set.first().cloned().ok_or(BenchmarkError::Weightless)?;
		// Removal needs a set above the minimum.
		if set.len() as u32 <= T::MinValidators::get() {
			return Err(BenchmarkError::Weightless);
		}
		let full = set.len();
		plan_set::<T>(set)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		let set = Validators::<T>::get();
		ensure!(set.binary_search(&who).is_err(), BenchmarkError::Stop("not removed"));
		ensure!(set.len() < full, BenchmarkError::Stop("set did not shrink after the removal"));
		ensure!(ChangePlanned::<T>::get(), BenchmarkError::Stop("change not planned"));
		Ok(())
	}

	/// A session rotation that hands BABE and GRANDPA `v` validators (queued
	/// by the rotation before it) and queues a newly planned set of `v`: the
	/// work the pallet's `on_initialize` does at a session's end. (BABE here
	/// takes the epoch for a skipped one, as no slots pass: one storage item
	/// more than a real epoch change, never less.)
	#[benchmark]
	fn rotate_session(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let set = sorted_accounts::<T>(v);
		for who in &set {
			T::BenchmarkHelper::register_keys(who);
		}
		plan_set::<T>(set)?;
		ChangePlanned::<T>::put(true);
		// The set queued now is handed over by the rotation measured.
		T::SessionRotation::rotate();
		ChangePlanned::<T>::put(true);

		#[block]
		{
			T::SessionRotation::rotate();
		}

		ensure!(!ChangePlanned::<T>::get(), BenchmarkError::Stop("the planned set was not taken"));
		Ok(())
	}

	/// The check in a block that does not end the session. Block 2: BABE
	/// answers for block 1 without reading its epoch (the genesis epoch never
	/// ends there).
	#[benchmark]
	fn keep_session() {
		let now: BlockNumberFor<T> = 2u32.into();
		frame_system::Pallet::<T>::set_block_number(now);

		#[block]
		{
			let _ends = T::SessionRotation::should_rotate(now);
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
