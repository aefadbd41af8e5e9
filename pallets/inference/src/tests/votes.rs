//! Votes and decisions: certification at the quorum, early no-agreement,
//! expiry at the deadline, late votes, member records, and refused votes.

use super::*;
use crate::{Batches, Decisions, Error, MemberRecords, Outcome, Votes};
use frame_support::{assert_noop, dispatch::Pays};

fn decided_outcomes(batch: BatchId) -> Vec<Outcome> {
	Decisions::<Test>::get(batch).unwrap().iter().map(|d| d.outcome.clone()).collect()
}

#[test]
fn a_quorum_of_equal_outputs_certifies_each_request() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 3);
		run_to_block(2);
		vote_labels(1, 0, &[7, 1, 2]);
		vote_labels(2, 0, &[7, 1, 3]);
		assert!(Decisions::<Test>::get(0).is_none(), "two votes decide nothing at q = 3");
		vote_labels(3, 0, &[7, 4, 2]);
		// Request 0: 3 x 7; request 1: 1,1,4 still reachable; request 2: 2,3,2 reachable.
		assert_eq!(
			decided_outcomes(0),
			vec![Outcome::Certified(Output::Label(7)), Outcome::Pending, Outcome::Pending]
		);
		assert_eq!(Batches::<Test>::get(0).unwrap().undecided, 2);
		run_to_block(3);
		vote_labels(4, 0, &[7, 1, 9]);
		assert_eq!(
			decided_outcomes(0),
			vec![
				Outcome::Certified(Output::Label(7)),
				Outcome::Certified(Output::Label(1)),
				Outcome::NoAgreement
			]
		);

		let cert = Inference::certificate(1).unwrap();
		assert_eq!(cert.outcome, Outcome::Certified(Output::Label(1)));
		assert_eq!(cert.agreed, vec![0, 1, 3], "models of owners 1, 2 and 4");
		assert_eq!(cert.dissented, vec![2]);
		assert!(cert.not_voted.is_empty());
		assert_eq!((cert.ordered_at, cert.decided_at), (1, Some(3)));
		assert_eq!(cert.versions, vec![(0, 1), (1, 1), (2, 1), (3, 1)]);

		// Request 0 was certified by the third vote, before model 3 voted.
		let first = Inference::certificate(0).unwrap();
		assert_eq!(first.agreed, vec![0, 1, 2]);
		assert_eq!(first.not_voted, vec![3]);
		assert_eq!(first.decided_at, Some(2));

		let decided: Vec<_> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::Decided { batch, decisions, .. } => {
					Some((batch, decisions.iter().map(|d| d.request).collect::<Vec<_>>()))
				}
				_ => None,
			})
			.collect();
		assert_eq!(decided, vec![(0, vec![0]), (0, vec![1, 2])], "every decision is an event");
	});
}

#[test]
fn no_agreement_is_decided_as_soon_as_the_quorum_is_out_of_reach() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		vote_labels(1, 0, &[1]);
		vote_labels(2, 0, &[2]);
		assert!(Decisions::<Test>::get(0).is_none(), "1 + 2 missing votes can still reach 3");
		vote_labels(3, 0, &[3]);
		assert_eq!(decided_outcomes(0), vec![Outcome::NoAgreement]);
		let cert = Inference::certificate(0).unwrap();
		assert!(cert.agreed.is_empty());
		assert_eq!(cert.dissented, vec![0, 1, 2]);
		assert_eq!(cert.not_voted, vec![3]);
	});
}

#[test]
fn undecided_requests_expire_at_the_deadline_and_late_votes_count_in_records() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		run_to_block(2);
		vote_labels(1, 0, &[5, 6]);
		vote_labels(2, 0, &[5, 8]);
		vote_labels(3, 0, &[5, 6]);
		// Request 0 certified; request 1 waits for model 3.
		assert_eq!(Batches::<Test>::get(0).unwrap().undecided, 1);
		run_to_block(6);
		let batch = Batches::<Test>::get(0).unwrap();
		assert!(batch.closed);
		assert_eq!(
			decided_outcomes(0),
			vec![Outcome::Certified(Output::Label(5)), Outcome::Expired]
		);
		assert!(events().contains(&Event::BatchClosed { batch: 0, expired: 1 }));
		assert_noop!(
			Inference::vote(
				RuntimeOrigin::signed(worker_of(4)),
				0,
				1,
				vec![Output::Label(5), Output::Label(6)]
			),
			Error::<Test>::BatchClosed
		);
		assert!(Inference::pending_batches(0).is_empty());

		let record = |model| MemberRecords::<Test>::get(0, model);
		assert_eq!((record(0).agreed, record(0).unresolved, record(0).missed), (1, 1, 0));
		assert_eq!((record(1).agreed, record(1).unresolved), (1, 1));
		assert_eq!((record(3).missed, record(3).batches), (2, 1), "model 3 never voted");
	});
}

#[test]
fn a_late_vote_changes_no_decision_but_counts_in_the_record() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		run_to_block(2);
		vote_labels(1, 0, &[5, 6]);
		vote_labels(2, 0, &[5, 6]);
		vote_labels(3, 0, &[5, 6]);
		assert_eq!(Batches::<Test>::get(0).unwrap().undecided, 0);
		vote_labels(4, 0, &[5, 0]);
		assert!(events().contains(&Event::Voted { batch: 0, model: 3, late: true }));
		assert_eq!(Inference::certificate(1).unwrap().not_voted, vec![3]);
		run_to_block(6);
		let late = MemberRecords::<Test>::get(0, 3);
		assert_eq!((late.agreed, late.dissented, late.missed), (1, 1, 0));
	});
}

#[test]
fn a_valid_vote_is_free() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		let info =
			Inference::vote(RuntimeOrigin::signed(worker_of(1)), 0, 1, vec![Output::Label(3)])
				.unwrap();
		assert_eq!(info.pays_fee, Pays::No);
	});
}

#[test]
fn bad_votes_are_refused_with_named_errors_and_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		let vote = |who: AccountId, batch: BatchId, version: u32, outputs: Vec<Output>| {
			Inference::vote(RuntimeOrigin::signed(who), batch, version, outputs)
		};
		let good = || vec![Output::Label(1), Output::Label(2)];
		assert_noop!(vote(worker_of(1), 0, 1, good()), Error::<Test>::BatchStillFilling);
		run_to_block(2);
		assert_noop!(vote(worker_of(1), 9, 1, good()), Error::<Test>::UnknownBatch);
		assert_noop!(vote(worker_of(5), 0, 1, good()), Error::<Test>::NotMember);
		assert_noop!(vote(ALICE, 0, 1, good()), Error::<Test>::NotMember);
		assert_noop!(vote(worker_of(1), 0, 2, good()), Error::<Test>::WrongVersion);
		assert_noop!(vote(worker_of(1), 0, 1, vec![Output::Label(1)]), Error::<Test>::WrongLength);
		assert_noop!(
			vote(worker_of(1), 0, 1, vec![Output::Label(1), Output::Label(10)]),
			Error::<Test>::MalformedOutput
		);
		assert_noop!(
			vote(worker_of(1), 0, 1, vec![Output::Label(1), Output::Digest([0; 32])]),
			Error::<Test>::MalformedOutput
		);
		assert_ok!(vote(worker_of(1), 0, 1, good()));
		assert_noop!(vote(worker_of(1), 0, 1, good()), Error::<Test>::DuplicateVote);
		assert_eq!(Votes::<Test>::iter_prefix(0).count(), 1);
	});
}

#[test]
fn top_k_votes_must_be_sorted_distinct_labels() {
	ExtBuilder::default().policy(crate::AgreementPolicy::TopK(2)).build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		let labels = |v: Vec<u32>| Output::Labels(v.try_into().unwrap());
		let vote = |owner, out: Output| {
			Inference::vote(RuntimeOrigin::signed(worker_of(owner)), 0, 1, vec![out])
		};
		assert_noop!(vote(1, labels(vec![3, 1])), Error::<Test>::MalformedOutput);
		assert_noop!(vote(1, labels(vec![1, 1])), Error::<Test>::MalformedOutput);
		assert_noop!(vote(1, labels(vec![1, 2, 3])), Error::<Test>::MalformedOutput);
		assert_noop!(vote(1, Output::Label(1)), Error::<Test>::MalformedOutput);
		for owner in 1..=3 {
			assert_ok!(vote(owner, labels(vec![1, 3])));
		}
		assert_eq!(
			Inference::certificate(0).unwrap().outcome,
			Outcome::Certified(labels(vec![1, 3]))
		);
	});
}

#[test]
fn exact_policy_certifies_equal_digests() {
	ExtBuilder::default().policy(crate::AgreementPolicy::Exact).build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		for owner in 1..=3 {
			assert_ok!(Inference::vote(
				RuntimeOrigin::signed(worker_of(owner)),
				0,
				1,
				vec![Output::Digest([9; 32])]
			));
		}
		assert_eq!(
			Inference::certificate(0).unwrap().outcome,
			Outcome::Certified(Output::Digest([9; 32]))
		);
	});
}
