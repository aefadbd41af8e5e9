//! Lies: a member whose revealed vote differs from an answer its worker
//! signed for the same input and version is slashed on anyone's proof, once
//! per vote and at most once per offence window; every report that proves
//! nothing is refused with its reason and changes nothing.

use super::*;
use crate::{Answer, Error, MemberRecords, Revealers};
use frame_support::{assert_noop, dispatch::Pays};

fn genesis() -> [u8; 32] {
	System::block_hash(0).into()
}

/// Owner `o`'s model's answer `label` for input `hash(i)` (version 1, group 0).
fn answer(owner: AccountId, i: u8, label: u32) -> Answer {
	Answer {
		genesis_hash: genesis(),
		group: 0,
		input_hash: hash(i),
		model: owner as u32 - 1,
		version: 1,
		output: Output::Label(label),
	}
}

fn report(
	request: u64,
	answer: Answer,
	signer: AccountId,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let signature = sign(signer, &answer);
	Inference::report_lie(RuntimeOrigin::signed(BOB), request, answer, signature)
}

fn bond(owner: AccountId) -> Balance {
	pallet_models::Owners::<Test>::get(owner).unwrap().bonded
}

fn lies() -> Vec<(u64, u32, Balance)> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::Lied { request, model, slashed, reporter, .. } => {
				assert_eq!(reporter, BOB);
				Some((request, model, slashed))
			}
			_ => None,
		})
		.collect()
}

#[test]
fn a_vote_that_contradicts_a_signed_answer_slashes_the_owner_once() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		run_to_block(2);
		// Owner 4's worker told a client "3" for input 1, then voted 5.
		vote_all(0, &[(1, &[3, 3]), (2, &[3, 3]), (3, &[3, 3]), (4, &[3, 5])]);
		let before = bond(4);
		let info = report(1, answer(4, 1, 3), worker_of(4)).unwrap();
		assert_eq!(info.pays_fee, Pays::No, "a proven lie costs the reporter nothing");
		assert_eq!(before - bond(4), START_BOND / 10, "10% of the bond, as for equivocation");
		assert_eq!(lies(), vec![(1, 3, START_BOND / 10)]);
		assert!(events().iter().any(|e| matches!(
			e,
			Event::Lied { answered: Output::Label(3), voted: Output::Label(5), batch: 0, .. }
		)));
		assert!(Revealers::<Test>::get(0, 3).unwrap().convicted);
		assert_eq!(MemberRecords::<Test>::get(0, 3).lied, 1, "the member's record counts it");
		assert_eq!(MemberRecords::<Test>::get(0, 0).lied, 0);
		// The same vote cannot be reported twice.
		assert_noop!(report(1, answer(4, 1, 3), worker_of(4)), Error::<Test>::AlreadyConvicted);

		// A lie on the next batch, in the same offence window, is proven and
		// recorded, but the owner is not slashed again.
		run_to_block(3);
		request_n(ALICE, 1);
		run_to_block(4);
		vote_all(1, &[(1, &[3]), (2, &[3]), (3, &[3]), (4, &[6])]);
		assert_ok!(report(2, answer(4, 0, 3), worker_of(4)));
		assert_eq!(lies(), vec![(1, 3, START_BOND / 10), (2, 3, 0)]);
		assert_eq!(before - bond(4), START_BOND / 10);
		assert_eq!(MemberRecords::<Test>::get(0, 3).lied, 2, "a lie unslashed still counts");

		// Pruning takes the revealers with the votes.
		run_to_block(40);
		assert_eq!(Revealers::<Test>::iter().count(), 0);
		assert_noop!(report(1, answer(4, 1, 3), worker_of(4)), Error::<Test>::UnknownRequest);
	});
}

#[test]
fn the_proof_holds_against_the_key_that_revealed_even_after_a_rotation() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		vote_all(0, &[(1, &[3]), (2, &[3]), (3, &[3]), (4, &[5])]);
		// The owner puts a new key on its model after the vote.
		assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(4), 3, 444));
		// An answer signed by the new key proves nothing about the old key's vote.
		assert_noop!(report(0, answer(4, 0, 3), 444), Error::<Test>::BadAnswerSignature);
		assert_ok!(report(0, answer(4, 0, 3), worker_of(4)));
		assert_eq!(lies(), vec![(0, 3, START_BOND / 10)]);
	});
}

#[test]
fn a_report_that_proves_no_lie_is_refused_with_its_reason() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		run_to_block(2);
		// Owner 4 has committed but not yet revealed.
		commit_all(0, &[(1, &[3, 3]), (2, &[3, 3]), (3, &[3, 3]), (4, &[3, 5])]);
		assert_noop!(report(1, answer(4, 1, 3), worker_of(4)), Error::<Test>::NotRevealed);
		for owner in 1..=3 {
			reveal_labels(owner, 0, &[3, 3]);
		}
		reveal_labels(4, 0, &[3, 5]);

		assert_noop!(report(9, answer(4, 1, 3), worker_of(4)), Error::<Test>::UnknownRequest);
		let mut other_chain = answer(4, 1, 3);
		other_chain.genesis_hash = [0; 32];
		assert_noop!(report(1, other_chain, worker_of(4)), Error::<Test>::AnswerForOtherChain);
		assert_noop!(
			report(1, answer(4, 0, 3), worker_of(4)),
			Error::<Test>::AnswerForOtherRequest
		);
		let mut other_group = answer(4, 1, 3);
		other_group.group = 1;
		assert_noop!(report(1, other_group, worker_of(4)), Error::<Test>::AnswerForOtherRequest);
		// Owner 5's model is not a member of group 0.
		assert_noop!(report(1, answer(5, 1, 3), worker_of(5)), Error::<Test>::AnswerNotByMember);
		let mut other_version = answer(4, 1, 3);
		other_version.version = 2;
		assert_noop!(report(1, other_version, worker_of(4)), Error::<Test>::AnswerForOtherVersion);
		// Signed by another member's key, or not over this answer.
		assert_noop!(report(1, answer(4, 1, 3), worker_of(1)), Error::<Test>::BadAnswerSignature);
		let forged = sign(worker_of(4), &answer(4, 1, 5));
		assert_noop!(
			Inference::report_lie(RuntimeOrigin::signed(BOB), 1, answer(4, 1, 3), forged),
			Error::<Test>::BadAnswerSignature
		);
		// What the member voted is what it signed: no lie.
		assert_noop!(report(1, answer(4, 1, 5), worker_of(4)), Error::<Test>::NotALie);
		assert_noop!(report(0, answer(1, 0, 3), worker_of(1)), Error::<Test>::NotALie);
		assert!(lies().is_empty());
	});
}

#[test]
fn an_unavailable_vote_is_no_lie() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		let three = labels(&[3]);
		for owner in 1..=3 {
			commit_outputs(owner, 0, &three);
		}
		commit_outputs(4, 0, &[Output::Unavailable]);
		for owner in 1..=3 {
			reveal_outputs(owner, 0, &three);
		}
		reveal_outputs(4, 0, &[Output::Unavailable]);
		assert_noop!(report(0, answer(4, 0, 3), worker_of(4)), Error::<Test>::NotALie);
	});
}
