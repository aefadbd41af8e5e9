//! Storage version 2 to 3: each open batch's requests digest is kept in
//! [`RequestsDigests`], and a commitment must name it; member records
//! count proven lies.
//!
//! Version 2 took a commitment for a batch id whatever requests the
//! committer had read under that id, so a commitment made on a fork that
//! ordered other requests bound its member to outputs for requests it never
//! saw. From version 3 `commit` carries the digest of the requests it was
//! made for, and the pallet refuses one that is not the batch's.
//!
//! Only open batches take commitments, so only they get a digest: a few per
//! group (those of the last `VoteTimeout` blocks), so one block migrates
//! them all. Each costs a read of its index entry, a read of its requests,
//! one hash per request and a write. Commitments recorded before the
//! upgrade stand.
//!
//! A member record gains `lied`, the lies proven against the member, which
//! version 2 did not count: each record (one per group and model that has
//! been in a batch) is rewritten with its counts and 0 lies.

use crate::{
	certificate::requests_digest, pallet::OpenBatches, BatchId, BatchRequests, Config,
	MemberRecord, MemberRecords, Pallet, RequestsDigests,
};
use alloc::vec::Vec;
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};

/// A member's record as storage version 2 kept it: no count of lies.
#[derive(Encode, Decode)]
pub struct RecordV2 {
	pub batches: u64,
	pub agreed: u64,
	pub dissented: u64,
	pub missed: u64,
	pub unavailable: u64,
	pub unresolved: u64,
	pub equivocated: u64,
}

/// The migration, run only from storage version 2 (and then setting 3).
pub type MigrateV2ToV3<T> = VersionedMigration<
	2,
	3,
	UncheckedMigrateV2ToV3<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

/// The migration without the version check; use [`MigrateV2ToV3`].
pub struct UncheckedMigrateV2ToV3<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV2ToV3<T> {
	fn on_runtime_upgrade() -> Weight {
		let open = open_batches::<T>();
		for &batch in &open {
			let requests = BatchRequests::<T>::get(batch);
			RequestsDigests::<T>::insert(
				batch,
				requests_digest(requests.iter().map(|r| &r.input_hash)),
			);
		}
		// Lies proven before the upgrade were not counted: they start at 0
		// (the `Lied` events of archive nodes hold them).
		let mut records = 0u64;
		MemberRecords::<T>::translate::<RecordV2, _>(|_, _, old| {
			records = records.saturating_add(1);
			Some(MemberRecord {
				batches: old.batches,
				agreed: old.agreed,
				dissented: old.dissented,
				missed: old.missed,
				unavailable: old.unavailable,
				unresolved: old.unresolved,
				equivocated: old.equivocated,
				lied: 0,
			})
		});
		log::info!(
			target: crate::LOG_TARGET,
			"storage version 3: {} open batches keep their requests digest, {records} member records count lies",
			open.len()
		);
		let entries = (open.len() as u64).saturating_add(records);
		// Per open batch: its index entry and its requests read, one write;
		// per member record (one per group and model): a read and a write.
		T::DbWeight::get().reads_writes(entries.saturating_mul(2), entries)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		Ok(open_batches::<T>().encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let before = Vec::<BatchId>::decode(&mut &state[..])
			.map_err(|_| "pre_upgrade state does not decode")?;
		check_after::<T>(&before)
	}
}

/// The batches in the open-batch index, whatever their group.
pub fn open_batches<T: Config>() -> Vec<BatchId> {
	OpenBatches::<T>::iter_keys().map(|(_, batch)| batch).collect()
}

/// After the migration: each batch open before it has the digest of its
/// requests, and no other batch has one. Used by try-runtime's
/// `post_upgrade` and by the unit tests.
pub fn check_after<T: Config>(before: &[BatchId]) -> Result<(), sp_runtime::TryRuntimeError> {
	for &batch in before {
		let requests = BatchRequests::<T>::get(batch);
		ensure!(
			RequestsDigests::<T>::get(batch)
				== Some(requests_digest(requests.iter().map(|r| &r.input_hash))),
			"an open batch has no requests digest, or a wrong one"
		);
	}
	ensure!(
		RequestsDigests::<T>::iter_keys().count() == before.len(),
		"a batch that was not open has a requests digest"
	);
	// `iter` skips what does not decode: every key must give a record.
	ensure!(
		MemberRecords::<T>::iter().count() == MemberRecords::<T>::iter_keys().count(),
		"a member record does not decode as version 3's"
	);
	ensure!(
		Pallet::<T>::on_chain_storage_version() == StorageVersion::new(3),
		"the storage version is not 3"
	);
	Ok(())
}
