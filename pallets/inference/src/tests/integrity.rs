//! What a certificate promises, against members and clients who try to game
//! it: copying other members' answers, withholding an input, voting with a
//! revoked key, voting while suspended.

use super::*;
use crate::{Decisions, Error, MemberRecords, Outcome};
use frame_support::assert_noop;

fn outcomes(batch: BatchId) -> Vec<Outcome> {
	Decisions::<Test>::get(batch).unwrap().iter().map(|d| d.outcome.clone()).collect()
}

#[test]
fn a_copying_member_is_never_counted_and_never_paid() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		let before = free(4);
		// The copier commits to something (it has no answer yet) and waits.
		commit_labels(4, 0, &[0]);
		commit_all(0, &[(1, &[6]), (2, &[6]), (3, &[6])]);
		reveal_labels(1, 0, &[6]);
		reveal_labels(2, 0, &[6]);
		// Having seen two reveals, it reveals their answer: not what it committed to.
		assert_noop!(
			Inference::reveal(RuntimeOrigin::signed(worker_of(4)), 0, 1, labels(&[6]), salt(4)),
			Error::<Test>::RevealMismatch
		);
		reveal_labels(3, 0, &[6]);
		let cert = Inference::certificate(0).unwrap();
		assert_eq!(cert.agreed, vec![0, 1, 2], "three members ran the model and said so");
		assert_eq!(cert.not_voted, vec![3]);
		run_to_block(6);
		assert_eq!(free(4), before, "the copier earned nothing");
		assert_eq!(MemberRecords::<Test>::get(0, 3).missed, 1);
		assert_eq!(MemberRecords::<Test>::get(0, 3).agreed, 0);
	});
}

#[test]
fn a_copier_that_waits_to_commit_is_too_late() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		// The others commit; reveals open only once the window has passed,
		// and then commitments are refused.
		commit_all(0, &[(1, &[6]), (2, &[6]), (3, &[6])]);
		reveal_labels(1, 0, &[6]);
		let copied = crate::certificate::commitment(0, 3, 1, &labels(&[6]), &salt(4));
		assert_noop!(
			Inference::commit_for_requests(
				RuntimeOrigin::signed(worker_of(4)),
				0,
				requests_of(0),
				copied
			),
			Error::<Test>::CommitWindowClosed
		);
	});
}

#[test]
fn a_withheld_input_is_decided_unavailable_and_its_batch_mates_are_certified() {
	ExtBuilder::default().build_and_execute(|| {
		// Alice orders three real inputs and one nobody was given.
		request_n(ALICE, 4);
		run_to_block(2);
		let u = Output::Unavailable;
		let l = Output::Label;
		let votes = [l(3), l(5), u.clone(), l(7)];
		for owner in 1..=4 {
			commit_outputs(owner, 0, &votes);
		}
		for owner in 1..=3 {
			reveal_outputs(owner, 0, &votes);
		}
		assert_eq!(
			outcomes(0),
			vec![
				Outcome::Certified(l(3)),
				Outcome::Certified(l(5)),
				Outcome::InputUnavailable,
				Outcome::Certified(l(7))
			]
		);
		let cert = Inference::certificate(2).unwrap();
		assert_eq!(cert.agreed, vec![0, 1, 2], "the members that reported it");
		let before: Vec<_> = (1..=4).map(free).collect();
		run_to_block(6);
		// Every fee is paid to the three reporting members: 3 each, 1 of dust back.
		let earned: Vec<_> = (1..=4).map(free).zip(before).map(|(a, b)| a - b).collect();
		assert_eq!(earned, vec![12, 12, 12, 0]);
		assert_eq!(free(ALICE), START_FREE - 4 * 9);
		let record = MemberRecords::<Test>::get(0, 0);
		assert_eq!((record.agreed, record.unavailable, record.missed), (3, 1, 0));
		assert_eq!(MemberRecords::<Test>::get(0, 3).missed, 4, "model 3 never revealed");
	});
}

#[test]
fn unavailable_from_a_minority_is_outvoted() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		vote_all(0, &[(1, &[2]), (2, &[2]), (3, &[2])]);
		// Model 3 lacked the input; the other three certified it.
		assert_eq!(outcomes(0), vec![Outcome::Certified(Output::Label(2))]);
		let digest = crate::certificate::commitment(0, 3, 1, &[Output::Unavailable], &salt(4));
		assert_noop!(
			Inference::commit_for_requests(
				RuntimeOrigin::signed(worker_of(4)),
				0,
				requests_of(0),
				digest
			),
			Error::<Test>::CommitWindowClosed
		);
	});
}

#[test]
fn a_revoked_key_cannot_vote_and_its_replacement_can() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		commit_labels(1, 0, &[2]);
		// The batch opened while owner 1's key was authorized; revoking it
		// takes effect at once.
		assert_ok!(Models::revoke_worker(RuntimeOrigin::signed(1), 0));
		assert_noop!(
			Inference::reveal(RuntimeOrigin::signed(worker_of(1)), 0, 1, labels(&[2]), salt(1)),
			Error::<Test>::NotMember
		);
		let digest = crate::certificate::commitment(0, 1, 1, &labels(&[2]), &salt(2));
		assert_ok!(Models::revoke_worker(RuntimeOrigin::signed(2), 1));
		assert_noop!(
			Inference::commit_for_requests(
				RuntimeOrigin::signed(worker_of(2)),
				0,
				requests_of(0),
				digest
			),
			Error::<Test>::NotMember
		);
		// A fresh key for model 0 reveals the commitment made for the model.
		let fresh = 77;
		assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(1), 0, fresh));
		run_to_block(4);
		assert_ok!(Inference::reveal(RuntimeOrigin::signed(fresh), 0, 1, labels(&[2]), salt(1)));
	});
}

#[test]
fn a_suspended_member_cannot_vote_until_its_owner_bonds_again() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		// A slash of 95% leaves owner 1 with 50 bonded, below the group's 100.
		use dropbear_primitives::ModelRegistry;
		Models::slash_owner(&1, sp_runtime::Perbill::from_percent(95));
		let digest = crate::certificate::commitment(0, 0, 1, &labels(&[2]), &salt(1));
		assert_noop!(
			Inference::commit_for_requests(
				RuntimeOrigin::signed(worker_of(1)),
				0,
				requests_of(0),
				digest
			),
			Error::<Test>::MemberSuspended
		);
		assert_ok!(Models::bond(RuntimeOrigin::signed(1), 50));
		assert_ok!(Inference::commit_for_requests(
			RuntimeOrigin::signed(worker_of(1)),
			0,
			requests_of(0),
			digest
		));
		// Suspended again before revealing: the reveal does not count.
		Models::slash_owner(&1, sp_runtime::Perbill::from_percent(50));
		commit_all(0, &[(2, &[2]), (3, &[2]), (4, &[2])]);
		assert_noop!(
			Inference::reveal(RuntimeOrigin::signed(worker_of(1)), 0, 1, labels(&[2]), salt(1)),
			Error::<Test>::MemberSuspended
		);
	});
}
