//! Storage version 1 to 2: [`OpenBatches`] keeps each open batch's deadline.
//!
//! Version 1 kept `()` in the index, so that telling whether an open batch
//! still takes votes meant decoding the whole batch record (its member list
//! included). Version 2 keeps the deadline next to the key, and
//! [`Pallet::pending_batches`] leaves out batches past their deadline that have
//! not closed yet (closing is bounded per block and can lag under load).
//!
//! The index holds only batches not yet closed: a few per group (those of the
//! last `VoteTimeout` blocks), so one block migrates them all. Each entry
//! costs one read of its batch and one write.

use crate::{pallet::OpenBatches, BatchId, Batches, Config, GroupId, Pallet};
use alloc::vec::Vec;
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, storage_alias,
	traits::UncheckedOnRuntimeUpgrade,
};

/// The layouts of storage version 1.
pub mod v1 {
	use super::*;

	/// Batches still taking votes, by group (version 1: no value).
	#[storage_alias]
	pub type OpenBatches<T: Config> =
		StorageDoubleMap<Pallet<T>, Twox64Concat, GroupId, Twox64Concat, BatchId, (), OptionQuery>;
}

/// The migration, run only from storage version 1 (and then setting 2).
pub type MigrateV1ToV2<T> = VersionedMigration<
	1,
	2,
	UncheckedMigrateV1ToV2<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

/// The migration without the version check; use [`MigrateV1ToV2`].
pub struct UncheckedMigrateV1ToV2<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV1ToV2<T> {
	fn on_runtime_upgrade() -> Weight {
		let open = open_before::<T>();
		let mut dropped = 0u32;
		for &(group, batch) in &open {
			match Batches::<T>::get(batch) {
				Some(record) if !record.closed => {
					OpenBatches::<T>::insert(group, batch, record.deadline)
				}
				// Version 1 never indexed a missing or closed batch; if one is
				// there, the index entry is what is wrong, not the batch.
				_ => {
					OpenBatches::<T>::remove(group, batch);
					dropped = dropped.saturating_add(1);
				}
			}
		}
		log::info!(
			target: crate::LOG_TARGET,
			"storage version 2: {} open batches indexed with their deadlines, {dropped} stale entries dropped",
			open.len()
		);
		let entries = open.len() as u64;
		// Reading the keys, then per entry a batch read and a write.
		T::DbWeight::get().reads_writes(entries.saturating_mul(2), entries)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		Ok(open_before::<T>().encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let before = Vec::<(GroupId, BatchId)>::decode(&mut &state[..])
			.map_err(|_| "pre_upgrade state does not decode")?;
		check_after::<T>(&before)
	}
}

/// The (group, batch) keys of the index as version 1 kept them, read once:
/// the map is rewritten while the keys are walked.
pub fn open_before<T: Config>() -> Vec<(GroupId, BatchId)> {
	v1::OpenBatches::<T>::iter_keys().collect()
}

/// After the migration: each entry that was in the index names a batch
/// that is not closed, with that batch's deadline, and nothing else is
/// indexed. Used by try-runtime's `post_upgrade` and by the unit tests.
pub fn check_after<T: Config>(
	before: &[(GroupId, BatchId)],
) -> Result<(), sp_runtime::TryRuntimeError> {
	let mut expected = 0usize;
	for &(group, batch) in before {
		let Some(record) = Batches::<T>::get(batch) else { continue };
		if record.closed {
			continue;
		}
		expected = expected.saturating_add(1);
		ensure!(
			OpenBatches::<T>::get(group, batch) == Some(record.deadline),
			"an open batch lost its index entry or has the wrong deadline"
		);
	}
	ensure!(
		OpenBatches::<T>::iter_keys().count() == expected,
		"the index holds entries that were not open batches"
	);
	ensure!(
		Pallet::<T>::on_chain_storage_version() == StorageVersion::new(2),
		"the storage version is not 2"
	);
	Ok(())
}
