//! Equivocation: a second, different commitment for a batch is not stored,
//! is recorded, and slashes the owner at most once per offence window; the
//! same commitment again is only a duplicate.

use super::*;
use crate::{Commitments, Error, MemberRecords};
use frame_support::{assert_noop, dispatch::Pays};

fn equivocate(
	owner: AccountId,
	batch: BatchId,
	l: &[u32],
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let digest = crate::certificate::commitment(batch, owner as u32 - 1, 1, &labels(l), &[0; 32]);
	Inference::commit_for_requests(
		RuntimeOrigin::signed(worker_of(owner)),
		batch,
		requests_of(batch),
		digest,
	)
}

fn slashes(owner: AccountId) -> Vec<Balance> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::Equivocated { owner: o, slashed, .. } if o == owner => Some(slashed),
			_ => None,
		})
		.collect()
}

#[test]
fn a_second_different_commitment_slashes_the_owner_and_is_not_counted() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		commit_labels(1, 0, &[3]);
		let bond_before = pallet_models::Owners::<Test>::get(1).unwrap().bonded;
		let info = equivocate(1, 0, &[4]).unwrap();
		assert_eq!(info.pays_fee, Pays::Yes, "the equivocating call pays");
		let bond_after = pallet_models::Owners::<Test>::get(1).unwrap().bonded;
		assert_eq!(bond_before - bond_after, START_BOND / 10, "10% of the bond");
		assert_eq!(slashes(1), vec![START_BOND / 10]);
		let stored = Commitments::<Test>::get(0, 0).unwrap();
		assert!(stored.equivocated, "marked");
		assert_eq!(MemberRecords::<Test>::get(0, 0).equivocated, 1);

		// A third commitment is refused, without a second slash.
		assert_noop!(equivocate(1, 0, &[5]), Error::<Test>::AlreadyEquivocated);

		// The first commitment stands: it reveals, and the batch certifies.
		commit_all(0, &[(2, &[3]), (3, &[3])]);
		reveal_labels(1, 0, &[3]);
		reveal_labels(2, 0, &[3]);
		reveal_labels(3, 0, &[3]);
		assert_eq!(Inference::certificate(0).unwrap().agreed, vec![0, 1, 2]);
	});
}

#[test]
fn resending_the_same_commitment_is_a_duplicate_not_an_equivocation() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		commit_labels(2, 0, &[3]);
		let digest = crate::certificate::commitment(0, 1, 1, &labels(&[3]), &salt(2));
		assert_noop!(
			Inference::commit_for_requests(
				RuntimeOrigin::signed(worker_of(2)),
				0,
				requests_of(0),
				digest
			),
			Error::<Test>::AlreadyCommitted
		);
		assert_eq!(pallet_models::Owners::<Test>::get(2).unwrap().bonded, START_BOND);
	});
}

#[test]
fn equivocating_on_every_batch_slashes_once_per_offence_window() {
	ExtBuilder::default().build_and_execute(|| {
		// Batches 0, 1 and 2 ordered at blocks 1, 2 and 3, each equivocated
		// on in the next block (window 0 is blocks 0..=9).
		for batch in 0..3 {
			request_n(ALICE, 1);
			run_to_block(batch + 2);
			commit_labels(1, batch, &[3]);
			assert_ok!(equivocate(1, batch, &[4]));
		}
		assert_eq!(slashes(1), vec![START_BOND / 10, 0, 0], "one slash in the window");
		assert_eq!(MemberRecords::<Test>::get(0, 0).equivocated, 3, "every offence recorded");
		// The next window slashes again, from what is left.
		run_to_block(10);
		request_n(ALICE, 1);
		run_to_block(11);
		commit_labels(1, 3, &[3]);
		assert_ok!(equivocate(1, 3, &[4]));
		assert_eq!(slashes(1), vec![START_BOND / 10, 0, 0, (START_BOND - START_BOND / 10) / 10]);
	});
}

#[test]
fn a_commitment_made_for_another_forks_requests_is_refused_and_is_no_equivocation() {
	ExtBuilder::default().build_and_execute(|| {
		// Batch 0 orders inputs 0 and 1 here; a fork ordered 0 and 5 under the same id.
		request_n(ALICE, 2);
		run_to_block(2);
		let here = crate::certificate::requests_digest(&[hash(0), hash(1)]);
		let there = crate::certificate::requests_digest(&[hash(0), hash(5)]);
		assert_eq!(requests_of(0), here, "the digest the pallet chained request by request");
		let made_there = crate::certificate::commitment(0, 0, 1, &labels(&[3, 4]), &salt(1));
		let commit = |requests, digest| {
			Inference::commit_for_requests(RuntimeOrigin::signed(worker_of(1)), 0, requests, digest)
		};
		assert_noop!(commit(there, made_there), Error::<Test>::OtherRequests);

		// Its worker commits again for these requests; the fork's commitment,
		// arriving after that (a transaction carried over a reorg), is still
		// refused for its requests, not taken as a second vote.
		commit_labels(1, 0, &[3, 3]);
		assert_noop!(commit(there, made_there), Error::<Test>::OtherRequests);
		assert!(slashes(1).is_empty());
		assert_eq!(pallet_models::Owners::<Test>::get(1).unwrap().bonded, START_BOND);
		assert!(!Commitments::<Test>::get(0, 0).unwrap().equivocated);
		assert_eq!(MemberRecords::<Test>::get(0, 0).equivocated, 0);

		// The batch votes and closes as usual; its digest goes when it closes.
		commit_all(0, &[(2, &[3, 3]), (3, &[3, 3])]);
		for owner in 1..=3 {
			reveal_labels(owner, 0, &[3, 3]);
		}
		assert_eq!(Inference::certificate(1).unwrap().agreed, vec![0, 1, 2]);
		run_to_block(12);
		assert!(crate::Batches::<Test>::get(0).unwrap().closed);
		assert_eq!(crate::RequestsDigests::<Test>::get(0), None);
	});
}
