//! Votes and decisions: commit then reveal, certification at the quorum,
//! early no-agreement, expiry at the deadline, late reveals, member records,
//! and refused commitments and reveals.

use super::*;
use crate::{Batches, Commitments, Decisions, Error, MemberRecords, Outcome, Votes};
use frame_support::{assert_noop, dispatch::Pays};

fn decided_outcomes(batch: BatchId) -> Vec<Outcome> {
	Decisions::<Test>::get(batch).unwrap().iter().map(|d| d.outcome.clone()).collect()
}

#[test]
fn a_quorum_of_equal_outputs_certifies_each_request() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 3);
		run_to_block(2);
		// Every member commits in the first block: reveals open at once.
		commit_all(0, &[(1, &[7, 1, 2]), (2, &[7, 1, 3]), (3, &[7, 4, 2]), (4, &[7, 1, 9])]);
		reveal_labels(1, 0, &[7, 1, 2]);
		reveal_labels(2, 0, &[7, 1, 3]);
		assert!(Decisions::<Test>::get(0).is_none(), "two votes decide nothing at q = 3");
		reveal_labels(3, 0, &[7, 4, 2]);
		// Request 0: 3 x 7; request 1: 1,1,4 still reachable; request 2: 2,3,2 reachable.
		assert_eq!(
			decided_outcomes(0),
			vec![Outcome::Certified(Output::Label(7)), Outcome::Pending, Outcome::Pending]
		);
		assert_eq!(Batches::<Test>::get(0).unwrap().undecided, 2);
		run_to_block(3);
		reveal_labels(4, 0, &[7, 1, 9]);
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
		let versions: Vec<_> =
			cert.versions.iter().map(|v| (v.model, v.version, v.digest)).collect();
		assert_eq!(
			versions,
			vec![(0, 1, [1; 32]), (1, 1, [2; 32]), (2, 1, [3; 32]), (3, 1, [4; 32])],
			"each member's version and weights digest"
		);

		// Request 0 was certified by the third reveal, before model 3 revealed.
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
fn reveals_wait_for_every_commitment_or_the_end_of_the_window() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		for owner in 1..=3 {
			commit_labels(owner, 0, &[5]);
		}
		// Model 3 has not committed and the window (through block 3) is open:
		// nobody may reveal, so nobody has seen an answer before committing.
		let reveal = |owner| {
			Inference::reveal(
				RuntimeOrigin::signed(worker_of(owner)),
				0,
				1,
				labels(&[5]),
				salt(owner),
			)
		};
		assert_noop!(reveal(1), Error::<Test>::CommitPhaseOpen);
		run_to_block(3);
		assert_noop!(reveal(1), Error::<Test>::CommitPhaseOpen);
		commit_labels(4, 0, &[5]);
		// Every member committed: reveals open in the same block.
		assert_ok!(reveal(1));
		assert_eq!(Batches::<Test>::get(0).unwrap().committed, 4);
	});
}

#[test]
fn a_commitment_after_the_window_is_refused_and_the_others_reveal_after_it() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		for owner in 1..=3 {
			commit_labels(owner, 0, &[5]);
		}
		run_to_block(4);
		let late = crate::certificate::commitment(0, 3, 1, &labels(&[5]), &salt(4));
		assert_noop!(
			Inference::commit_for_requests(
				RuntimeOrigin::signed(worker_of(4)),
				0,
				requests_of(0),
				late
			),
			Error::<Test>::CommitWindowClosed
		);
		for owner in 1..=3 {
			reveal_labels(owner, 0, &[5]);
		}
		assert_eq!(decided_outcomes(0), vec![Outcome::Certified(Output::Label(5))]);
		// Without a commitment there is nothing to reveal.
		assert_noop!(
			Inference::reveal(RuntimeOrigin::signed(worker_of(4)), 0, 1, labels(&[5]), salt(4)),
			Error::<Test>::NoCommitment
		);
	});
}

#[test]
fn no_agreement_is_decided_as_soon_as_the_quorum_is_out_of_reach() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		commit_all(0, &[(1, &[1]), (2, &[2]), (3, &[3])]);
		reveal_labels(1, 0, &[1]);
		reveal_labels(2, 0, &[2]);
		assert!(Decisions::<Test>::get(0).is_none(), "1 + 2 missing votes can still reach 3");
		reveal_labels(3, 0, &[3]);
		assert_eq!(decided_outcomes(0), vec![Outcome::NoAgreement]);
		let cert = Inference::certificate(0).unwrap();
		assert!(cert.agreed.is_empty());
		assert_eq!(cert.dissented, vec![0, 1, 2]);
		assert_eq!(cert.not_voted, vec![3]);
	});
}

#[test]
fn undecided_requests_expire_at_the_deadline_and_unrevealed_commitments_are_missed() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		run_to_block(2);
		// Model 3 commits but never reveals.
		commit_all(0, &[(1, &[5, 6]), (2, &[5, 8]), (3, &[5, 6]), (4, &[5, 6])]);
		reveal_labels(1, 0, &[5, 6]);
		reveal_labels(2, 0, &[5, 8]);
		reveal_labels(3, 0, &[5, 6]);
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
			Inference::reveal(RuntimeOrigin::signed(worker_of(4)), 0, 1, labels(&[5, 6]), salt(4)),
			Error::<Test>::BatchClosed
		);
		assert!(Inference::pending_batches(0).is_empty());

		let record = |model| MemberRecords::<Test>::get(0, model);
		assert_eq!((record(0).agreed, record(0).unresolved, record(0).missed), (1, 1, 0));
		assert_eq!((record(1).agreed, record(1).unresolved), (1, 1));
		assert_eq!((record(3).missed, record(3).batches), (2, 1), "committed, never revealed");
	});
}

#[test]
fn a_late_reveal_changes_no_decision_but_counts_in_the_record() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		run_to_block(2);
		vote_all(0, &[(1, &[5, 6]), (2, &[5, 6]), (3, &[5, 6]), (4, &[5, 0])]);
		assert!(events().contains(&Event::Revealed { batch: 0, model: 3, late: true }));
		assert_eq!(Inference::certificate(1).unwrap().not_voted, vec![3]);
		run_to_block(6);
		let late = MemberRecords::<Test>::get(0, 3);
		assert_eq!((late.agreed, late.dissented, late.missed), (1, 1, 0));
	});
}

#[test]
fn valid_commitments_and_reveals_are_free() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		let digest = crate::certificate::commitment(0, 0, 1, &labels(&[3]), &salt(1));
		let info = Inference::commit_for_requests(
			RuntimeOrigin::signed(worker_of(1)),
			0,
			requests_of(0),
			digest,
		)
		.unwrap();
		assert_eq!(info.pays_fee, Pays::No);
		run_to_block(4);
		let info =
			Inference::reveal(RuntimeOrigin::signed(worker_of(1)), 0, 1, labels(&[3]), salt(1))
				.unwrap();
		assert_eq!(info.pays_fee, Pays::No);
	});
}

#[test]
fn bad_commitments_and_reveals_are_refused_with_named_errors_and_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		let good = || labels(&[1, 2]);
		let digest = crate::certificate::commitment(0, 0, 1, &good(), &salt(1));
		let commit = |who: AccountId, batch: BatchId, digest| {
			Inference::commit_for_requests(
				RuntimeOrigin::signed(who),
				batch,
				requests_of(batch),
				digest,
			)
		};
		let reveal = |who: AccountId, version: u32, outputs: Vec<Output>, salt| {
			Inference::reveal(RuntimeOrigin::signed(who), 0, version, outputs, salt)
		};
		assert_noop!(commit(worker_of(1), 0, digest), Error::<Test>::BatchStillFilling);
		run_to_block(2);
		// The retired form, which names no requests, is refused whatever it says.
		assert_noop!(
			Inference::commit(RuntimeOrigin::signed(worker_of(1)), 0, digest),
			Error::<Test>::RequestsNotNamed
		);
		assert_noop!(commit(worker_of(1), 9, digest), Error::<Test>::UnknownBatch);
		assert_noop!(commit(worker_of(5), 0, digest), Error::<Test>::NotMember);
		assert_noop!(commit(ALICE, 0, digest), Error::<Test>::NotMember);
		assert_noop!(reveal(worker_of(1), 1, good(), salt(1)), Error::<Test>::NoCommitment);
		assert_ok!(commit(worker_of(1), 0, digest));
		assert_noop!(commit(worker_of(1), 0, digest), Error::<Test>::AlreadyCommitted);
		for owner in 2..=4 {
			commit_labels(owner, 0, &[1, 2]);
		}
		assert_noop!(reveal(worker_of(1), 2, good(), salt(1)), Error::<Test>::WrongVersion);
		assert_noop!(reveal(worker_of(1), 1, labels(&[1]), salt(1)), Error::<Test>::WrongLength);
		assert_noop!(
			reveal(worker_of(1), 1, labels(&[1, 10]), salt(1)),
			Error::<Test>::MalformedOutput
		);
		assert_noop!(
			reveal(worker_of(1), 1, vec![Output::Label(1), Output::Digest([0; 32])], salt(1)),
			Error::<Test>::MalformedOutput
		);
		// Other outputs, or the right ones with another salt, are not what was committed.
		assert_noop!(
			reveal(worker_of(1), 1, labels(&[1, 3]), salt(1)),
			Error::<Test>::RevealMismatch
		);
		assert_noop!(reveal(worker_of(1), 1, good(), salt(2)), Error::<Test>::RevealMismatch);
		assert_ok!(reveal(worker_of(1), 1, good(), salt(1)));
		assert_noop!(reveal(worker_of(1), 1, good(), salt(1)), Error::<Test>::AlreadyRevealed);
		assert_eq!(Votes::<Test>::iter_prefix(0).count(), 1);
		assert_eq!(Commitments::<Test>::iter_prefix(0).count(), 4);
	});
}

#[test]
fn top_k_votes_must_be_sorted_distinct_labels() {
	ExtBuilder::default().policy(crate::AgreementPolicy::TopK(2)).build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		let top = |v: Vec<u32>| Output::Labels(v.try_into().unwrap());
		for owner in 1..=3 {
			commit_outputs(owner, 0, &[top(vec![1, 3])]);
		}
		run_to_block(4);
		let reveal = |owner, out: Output| {
			Inference::reveal(RuntimeOrigin::signed(worker_of(owner)), 0, 1, vec![out], salt(owner))
		};
		assert_noop!(reveal(1, top(vec![3, 1])), Error::<Test>::MalformedOutput);
		assert_noop!(reveal(1, top(vec![1, 1])), Error::<Test>::MalformedOutput);
		assert_noop!(reveal(1, top(vec![1, 2, 3])), Error::<Test>::MalformedOutput);
		assert_noop!(reveal(1, Output::Label(1)), Error::<Test>::MalformedOutput);
		for owner in 1..=3 {
			assert_ok!(reveal(owner, top(vec![1, 3])));
		}
		assert_eq!(Inference::certificate(0).unwrap().outcome, Outcome::Certified(top(vec![1, 3])));
	});
}

#[test]
fn exact_policy_certifies_equal_digests() {
	ExtBuilder::default().policy(crate::AgreementPolicy::Exact).build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		let out = [Output::Digest([9; 32])];
		for owner in 1..=3 {
			commit_outputs(owner, 0, &out);
		}
		run_to_block(4);
		for owner in 1..=3 {
			reveal_outputs(owner, 0, &out);
		}
		assert_eq!(
			Inference::certificate(0).unwrap().outcome,
			Outcome::Certified(Output::Digest([9; 32]))
		);
	});
}
