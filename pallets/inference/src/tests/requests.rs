//! Ordering requests: fees held, sequential ids, batches per group and block
//! split at the batch size, member versions recorded, and refusals.

use super::*;
use crate::{Batches, Error, NextRequestId, Outcome, Requests};
use frame_support::{assert_noop, traits::Hooks};

#[test]
fn a_request_holds_the_price_and_opens_a_batch_with_the_serving_versions() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Inference::request(RuntimeOrigin::signed(ALICE), 0, hash(7), PRICE + 5));
		assert_eq!(fee_held(ALICE), PRICE, "the price is held, not the offered maximum");
		assert_eq!(free(ALICE), START_FREE - PRICE);
		let batch = Batches::<Test>::get(0).expect("batch 0 opened");
		assert_eq!((batch.group, batch.created, batch.deadline), (0, 1, 1 + 5));
		assert_eq!((batch.len, batch.undecided, batch.quorum, batch.price), (1, 1, 3, PRICE));
		let members: Vec<_> = batch.members.iter().map(|m| (m.model, m.version)).collect();
		assert_eq!(members, vec![(0, 1), (1, 1), (2, 1), (3, 1)]);
		assert_eq!(Requests::<Test>::get(0), Some((0, 0)));
		let cert = Inference::certificate(0).expect("a pending certificate");
		assert_eq!(cert.outcome, Outcome::Pending);
		assert_eq!((cert.client, cert.input_hash, cert.fee), (ALICE, hash(7), PRICE));
		assert_eq!(Inference::pending_batches(0), vec![0]);
	});
}

#[test]
fn requests_of_one_block_fill_batches_in_order_split_at_the_batch_size() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 3);
		assert_ok!(Inference::request_batch(
			RuntimeOrigin::signed(BOB),
			0,
			(10..16).map(hash).collect(),
			PRICE
		));
		// 9 requests, batch size 4: batches of 4, 4, 1 with sequential ids.
		assert_eq!(NextRequestId::<Test>::get(), 9);
		let lens: Vec<u32> = (0..3).map(|b| Batches::<Test>::get(b).unwrap().len).collect();
		assert_eq!(lens, vec![4, 4, 1]);
		let placed: Vec<_> = (0..9).map(|r| Requests::<Test>::get(r).unwrap()).collect();
		assert_eq!(
			placed,
			vec![(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3), (2, 0)]
		);
		let view = Inference::batch_view(0).unwrap();
		let clients: Vec<_> = view.requests.iter().map(|r| r.client).collect();
		assert_eq!(clients, vec![ALICE, ALICE, ALICE, BOB], "extrinsic order within the batch");
		assert_eq!(fee_held(BOB), 6 * PRICE);

		// The next block opens a new batch even though batch 2 has room.
		run_to_block(2);
		request_n(ALICE, 1);
		assert_eq!(Requests::<Test>::get(9), Some((3, 0)));
		assert_eq!(Batches::<Test>::get(3).unwrap().created, 2);
	});
}

#[test]
fn an_order_of_many_requests_holds_their_fees_at_once() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 3);
		System::reset_events();
		assert_ok!(Inference::request_batch(
			RuntimeOrigin::signed(BOB),
			0,
			(10..16).map(hash).collect(),
			PRICE
		));
		let holds: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Balances(pallet_balances::Event::Held { who, amount, .. }) => {
					Some((who, amount))
				}
				_ => None,
			})
			.collect();
		// Six requests over three batches (one filling, two new): one hold.
		assert_eq!(holds, vec![(BOB, 6 * PRICE)]);
		assert_eq!(fee_held(BOB), 6 * PRICE);
		let fees: Vec<_> = (3..9).map(|r| Inference::certificate(r).unwrap().fee).collect();
		assert_eq!(fees, vec![PRICE; 6], "each request still pays its batch's price");
	});
}

#[test]
fn a_batch_records_the_versions_serving_its_block() {
	ExtBuilder::default().build_and_execute(|| {
		// Model 0 publishes version 2, active from block 1 + 3.
		assert_ok!(Models::publish_version(
			RuntimeOrigin::signed(1),
			0,
			[42; 32],
			pallet_models::WeightsFormat::TorchScript
		));
		request_n(ALICE, 1);
		run_to_block(3);
		request_n(ALICE, 1);
		run_to_block(4);
		request_n(ALICE, 1);
		let version_of_model_0 = |b: u64| Batches::<Test>::get(b).unwrap().members[0].version;
		assert_eq!(version_of_model_0(0), 1);
		assert_eq!(version_of_model_0(1), 1, "the last block before activation");
		assert_eq!(version_of_model_0(2), 2, "the activation block");
		let named = &Inference::certificate(2).unwrap().versions[0];
		assert_eq!((named.model, named.version), (0, 2));
		assert_eq!(named.digest, pallet_models::Versions::<Test>::get(0, 2).unwrap().digest);
	});
}

#[test]
fn bad_requests_are_refused_with_named_errors_and_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Inference::request(RuntimeOrigin::signed(ALICE), 9, hash(1), PRICE),
			Error::<Test>::UnknownGroup
		);
		assert_noop!(
			Inference::request(RuntimeOrigin::signed(ALICE), 0, hash(1), PRICE - 1),
			Error::<Test>::FeeBelowPrice
		);
		assert_noop!(
			Inference::request(RuntimeOrigin::signed(PAUPER), 0, hash(1), PRICE),
			Error::<Test>::CannotPayFee
		);
		assert_noop!(
			Inference::request_batch(RuntimeOrigin::signed(ALICE), 0, vec![], PRICE),
			Error::<Test>::NoInputs
		);
		assert_noop!(
			Inference::request_batch(RuntimeOrigin::signed(ALICE), 0, vec![hash(1); 101], PRICE),
			Error::<Test>::TooManyRequests
		);
		// A batch the client can pay only in part is refused as a whole.
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(BOB),
			ALICE,
			START_FREE - (2 * PRICE + 1)
		));
		assert_noop!(
			Inference::request_batch(RuntimeOrigin::signed(BOB), 0, vec![hash(1); 3], PRICE),
			Error::<Test>::CannotPayFee
		);
		assert_eq!(NextRequestId::<Test>::get(), 0);
	});
}

#[test]
fn a_group_below_its_quorum_takes_no_requests() {
	ExtBuilder::default().quorum(3, vec![0, 1, 2]).build_and_execute(|| {
		assert_ok!(Models::leave_group(RuntimeOrigin::signed(3), 0, 2));
		assert_noop!(
			Inference::request(RuntimeOrigin::signed(ALICE), 0, hash(1), PRICE),
			Error::<Test>::GroupInactive
		);
	});
}

#[test]
fn weight_charged_for_a_request_batch_counts_only_the_batches_it_opened() {
	ExtBuilder::default().build_and_execute(|| {
		// Mock weights: filling 100 + 200 n; each opened batch adds 1_000.
		let first = Inference::request_batch(
			RuntimeOrigin::signed(ALICE),
			0,
			(0..4).map(hash).collect(),
			PRICE,
		)
		.unwrap();
		assert_eq!(first.actual_weight.map(|w| w.ref_time()), Some(900 + 1_000));
		// Batch 0 is full: five more open batches 1 and 2.
		let second = Inference::request_batch(
			RuntimeOrigin::signed(ALICE),
			0,
			(0..5).map(hash).collect(),
			PRICE,
		)
		.unwrap();
		assert_eq!(second.actual_weight.map(|w| w.ref_time()), Some(1_100 + 2 * 1_000));
		// The hooks run cleanly on a block with nothing due.
		let _ = <Inference as Hooks<u64>>::on_initialize(2);
	});
}
