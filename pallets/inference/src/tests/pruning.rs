//! Retention: closed batches leave storage after `CertificateRetention`
//! blocks, oldest first, within the weight `on_idle` is given.

use super::*;
use crate::{BatchRequests, Batches, Decisions, NextToPrune, Requests, Votes};
use frame_support::{traits::Hooks, weights::Weight};

#[test]
fn certificates_stay_for_the_retention_then_go() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		run_to_block(2);
		vote_all(0, &[(1, &[1, 2]), (2, &[1, 2]), (3, &[1, 2])]);
		// Deadline 6, retention 10: in storage through block 15.
		run_to_block(16);
		assert!(Inference::certificate(1).is_some());
		run_to_block(17);
		assert!(Inference::certificate(0).is_none());
		assert!(Batches::<Test>::get(0).is_none());
		assert!(BatchRequests::<Test>::get(0).is_empty());
		assert!(Decisions::<Test>::get(0).is_none());
		assert!(Requests::<Test>::get(1).is_none());
		assert_eq!(Votes::<Test>::iter_prefix(0).count(), 0);
		assert_eq!(NextToPrune::<Test>::get(), 1);
	});
}

#[test]
fn pruning_stops_when_the_idle_weight_is_spent() {
	ExtBuilder::default().build_and_execute(|| {
		// Three batches of 4, 4 and 1 requests in block 1.
		request_n(ALICE, 9);
		run_to_block(17);
		// run_to_block gave on_idle ample weight: all three are gone.
		assert_eq!(NextToPrune::<Test>::get(), 3);

		request_n(ALICE, 9);
		run_to_block(32);
		// Mock weights: 1 read (25) + 1_000 + 10 per request per batch.
		// Enough for the first batch only.
		let used = <Inference as Hooks<u64>>::on_idle(33, Weight::from_parts(1_100, u64::MAX));
		assert_eq!(NextToPrune::<Test>::get(), 4);
		assert!(used.ref_time() <= 1_100);
		assert!(Batches::<Test>::get(4).is_some());
		let _ = <Inference as Hooks<u64>>::on_idle(33, Weight::MAX);
		assert_eq!(NextToPrune::<Test>::get(), 6);
	});
}

#[test]
fn closing_is_bounded_per_block_and_catches_up() {
	ExtBuilder::default().build_and_execute(|| {
		// 5 batches due at block 6; at most 3 close per block.
		request_n(ALICE, 17);
		run_to_block(6);
		let closed = |b: u64| Batches::<Test>::get(b).unwrap().closed;
		assert_eq!((0..5).map(closed).collect::<Vec<_>>(), vec![true, true, true, false, false]);
		// The two left open are past their deadline: no worker is sent to vote.
		assert!(Inference::pending_batches(0).is_empty());
		run_to_block(7);
		assert!((0..5).all(closed));
		assert_eq!(fee_held(ALICE), 0);
	});
}

#[test]
fn closing_stops_at_its_weight_budget_but_always_closes_one() {
	ExtBuilder::default().build_and_execute(|| {
		// Mock weights: closing a batch of 4 costs 1_040; the budget fits two.
		crate::mock::MaxCloseWeight::set(frame_support::weights::Weight::from_parts(
			2_100,
			u64::MAX,
		));
		request_n(ALICE, 12);
		run_to_block(6);
		let closed = |b: u64| Batches::<Test>::get(b).unwrap().closed;
		assert_eq!((0..3).map(closed).collect::<Vec<_>>(), vec![true, true, false]);
		// A budget below one batch's cost still closes one a block.
		crate::mock::MaxCloseWeight::set(frame_support::weights::Weight::from_parts(10, u64::MAX));
		run_to_block(7);
		assert!(closed(2));
	});
}
