//! Storage migrations: the open-batch index of storage version 1 (no value)
//! becomes version 2's (each batch's deadline), once, and the batches then
//! close and settle as if nothing happened; version 3 gives each open batch
//! the digest of its requests, which commitments then name.

use super::*;
use crate::{
	migrations::{
		v2::{self, v1, MigrateV1ToV2},
		v3::{self, MigrateV2ToV3},
	},
	Batches, MemberRecords, OpenBatches, Pallet, RequestsDigests,
};
use codec::Encode;
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

/// Rewrites the index as storage version 1 kept it.
fn back_to_version_1() {
	let keys: Vec<(u32, u64)> = OpenBatches::<Test>::iter_keys().collect();
	for (group, batch) in keys {
		v1::OpenBatches::<Test>::insert(group, batch, ());
	}
	StorageVersion::new(1).put::<Pallet<Test>>();
}

#[test]
fn version_1_index_gains_the_deadlines_once_and_batches_still_settle() {
	ExtBuilder::default().build_and_execute(|| {
		// Batches 0, 1, 2 in block 1 (deadline 6), batch 3 in block 2 (deadline 7).
		request_n(ALICE, 9);
		run_to_block(2);
		request_n(BOB, 2);
		run_to_block(3);
		vote_all(0, &[(1, &[1, 1, 1, 1]), (2, &[1, 1, 1, 1]), (3, &[1, 1, 1, 1])]);
		back_to_version_1();
		// An entry version 1 could not have made: a batch that does not exist.
		v1::OpenBatches::<Test>::insert(0, 99, ());
		let before = v2::open_before::<Test>();
		assert_eq!(before.len(), 5);

		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Pallet::<Test>::on_chain_storage_version(), StorageVersion::new(2));
		for batch in 0..4 {
			let deadline = Batches::<Test>::get(batch).unwrap().deadline;
			assert_eq!(OpenBatches::<Test>::get(0, batch), Some(deadline), "batch {batch}");
		}
		assert_eq!(OpenBatches::<Test>::get(0, 99), None, "the stale entry stays");
		v2::check_after::<Test>(&before).unwrap();
		assert_eq!(Inference::pending_batches(0), vec![0, 1, 2, 3]);

		// Run again (the migration still listed in a later runtime): nothing moves.
		v1::OpenBatches::<Test>::insert(0, 98, ());
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert!(OpenBatches::<Test>::contains_key(0, 98), "a second run touched the index");
		OpenBatches::<Test>::remove(0, 98);
		v2::check_after::<Test>(&before).unwrap();

		// The migrated index still closes every batch at its deadline and
		// releases every hold (the ledger is checked after the test).
		run_to_block(8);
		assert!((0..4).all(|b| Batches::<Test>::get(b).unwrap().closed));
		assert_eq!(OpenBatches::<Test>::iter_keys().count(), 0);
		assert!(matches!(Inference::certificate(1).unwrap().outcome, crate::Outcome::Certified(_)));
		assert_eq!(fee_held(ALICE) + fee_held(BOB), 0);
	});
}

#[test]
fn version_2_open_batches_gain_their_requests_digest_once_and_take_commitments() {
	ExtBuilder::default().build_and_execute(|| {
		// Batches 0, 1, 2 in block 1, batch 3 (inputs 0 and 1) in block 2;
		// all four open at block 3.
		request_n(ALICE, 9);
		run_to_block(2);
		request_n(BOB, 2);
		run_to_block(3);
		// What version 2 kept: no digests, and records without lies.
		let _ = RequestsDigests::<Test>::clear(u32::MAX, None);
		assert_eq!(MemberRecords::<Test>::iter_keys().count(), 0);
		let old = v3::RecordV2 {
			batches: 5,
			agreed: 4,
			dissented: 3,
			missed: 2,
			unavailable: 1,
			unresolved: 6,
			equivocated: 7,
		};
		frame_support::storage::unhashed::put_raw(
			&MemberRecords::<Test>::hashed_key_for(0, 2),
			&old.encode(),
		);
		StorageVersion::new(2).put::<Pallet<Test>>();
		let before = v3::open_batches::<Test>();
		assert_eq!(before.len(), 4);

		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Pallet::<Test>::on_chain_storage_version(), StorageVersion::new(3));
		v3::check_after::<Test>(&before).unwrap();
		assert_eq!(
			MemberRecords::<Test>::get(0, 2),
			crate::MemberRecord {
				batches: 5,
				agreed: 4,
				dissented: 3,
				missed: 2,
				unavailable: 1,
				unresolved: 6,
				equivocated: 7,
				lied: 0
			}
		);
		assert_eq!(
			RequestsDigests::<Test>::get(3),
			Some(crate::certificate::requests_digest(&[hash(0), hash(1)]))
		);

		// Run again (the migration still listed in a later runtime): nothing moves.
		RequestsDigests::<Test>::insert(3, [7; 32]);
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(RequestsDigests::<Test>::get(3), Some([7; 32]), "a second run wrote");
		RequestsDigests::<Test>::insert(
			3,
			crate::certificate::requests_digest(&[hash(0), hash(1)]),
		);

		// The migrated batch takes the commitments that name its requests, and certifies.
		commit_all(3, &[(1, &[1, 1]), (2, &[1, 1]), (3, &[1, 1])]);
		for owner in 1..=3 {
			reveal_labels(owner, 3, &[1, 1]);
		}
		assert!(matches!(Inference::certificate(9).unwrap().outcome, crate::Outcome::Certified(_)));
		run_to_block(8);
		assert_eq!(RequestsDigests::<Test>::iter_keys().count(), 0, "closed batches keep none");
	});
}

#[test]
fn a_chain_born_at_the_current_version_is_left_alone() {
	ExtBuilder::default().build_and_execute(|| {
		// What a chain's genesis does: the pallet writes its storage version.
		<Pallet<Test> as frame_support::traits::OnGenesis>::on_genesis();
		request_n(ALICE, 1);
		run_to_block(2);
		assert_eq!(Pallet::<Test>::on_chain_storage_version(), StorageVersion::new(3));
		let open: Vec<_> = OpenBatches::<Test>::iter().collect();
		let digests: Vec<_> = RequestsDigests::<Test>::iter().collect();
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(OpenBatches::<Test>::iter().collect::<Vec<_>>(), open);
		assert_eq!(RequestsDigests::<Test>::iter().collect::<Vec<_>>(), digests);
	});
}
