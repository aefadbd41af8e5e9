//! Equivocation: a second, different vote for a batch is not counted, slashes
//! the owner and is recorded; the same vote again is only a duplicate.

use super::*;
use crate::{Error, MemberRecords, Votes};
use frame_support::{assert_noop, dispatch::Pays};

#[test]
fn a_second_different_vote_slashes_the_owner_and_is_not_counted() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		vote_labels(1, 0, &[3]);
		let bond_before = pallet_models::Owners::<Test>::get(1).unwrap().bonded;
		let info =
			Inference::vote(RuntimeOrigin::signed(worker_of(1)), 0, 1, vec![Output::Label(4)])
				.unwrap();
		assert_eq!(info.pays_fee, Pays::Yes, "the equivocating call pays");
		let bond_after = pallet_models::Owners::<Test>::get(1).unwrap().bonded;
		assert_eq!(bond_before - bond_after, START_BOND / 10, "10% of the bond");
		assert!(events().contains(&Event::Equivocated {
			batch: 0,
			model: 0,
			owner: 1,
			slashed: START_BOND / 10
		}));
		let stored = Votes::<Test>::get(0, 0).unwrap();
		assert_eq!(stored.outputs.to_vec(), vec![Output::Label(3)], "the first vote stands");
		assert!(stored.equivocated);
		assert_eq!(MemberRecords::<Test>::get(0, 0).equivocated, 1);

		// A third vote is refused, without a second slash.
		assert_noop!(
			Inference::vote(RuntimeOrigin::signed(worker_of(1)), 0, 1, vec![Output::Label(5)]),
			Error::<Test>::AlreadyEquivocated
		);

		// The batch still certifies with the honest members.
		vote_labels(2, 0, &[3]);
		vote_labels(3, 0, &[3]);
		assert_eq!(Inference::certificate(0).unwrap().agreed, vec![0, 1, 2]);
	});
}

#[test]
fn resending_the_same_vote_is_a_duplicate_not_an_equivocation() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		vote_labels(2, 0, &[3]);
		assert_noop!(
			Inference::vote(RuntimeOrigin::signed(worker_of(2)), 0, 1, vec![Output::Label(3)]),
			Error::<Test>::DuplicateVote
		);
		assert_eq!(pallet_models::Owners::<Test>::get(2).unwrap().bonded, START_BOND);
	});
}
