//! The precompile called as contracts call it: ABI-encoded call data sent
//! through `pallet_revive::Pallet::bare_call` to its address.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use crate::{mock::*, IInference, ADDRESS};
use alloy::{
	primitives::FixedBytes,
	sol_types::{Revert, SolCall, SolError},
};
use dropbear_primitives::{inference::commitment, Output};
use frame_support::{assert_ok, traits::fungible::InspectHold, weights::Weight};
use pallet_revive::{
	precompiles::alloy, AddressMapper, ExecConfig, ExecReturnValue, TransactionLimits, H160, U256,
};

/// Wei per planck: the contracts pallet's `NativeToEthRatio` in the mock.
const WEI: u128 = 1_000_000;

fn bare_call(
	who: &AccountId,
	value: U256,
	data: Vec<u8>,
) -> pallet_revive::ContractResult<ExecReturnValue, Balance> {
	let limits = TransactionLimits::WeightAndDeposit {
		weight_limit: Weight::from_parts(100_000_000_000, 10_000_000),
		deposit_limit: 1_000_000_000,
	};
	Revive::bare_call(
		RuntimeOrigin::signed(who.clone()),
		H160(ADDRESS),
		value,
		limits,
		data,
		&ExecConfig::new_substrate_tx(),
	)
}

fn call_with_value(who: &AccountId, value: U256, data: Vec<u8>) -> ExecReturnValue {
	bare_call(who, value, data)
		.result
		.expect("the call executes (a revert is a result, not an error)")
}

fn call(who: &AccountId, data: Vec<u8>) -> ExecReturnValue {
	call_with_value(who, U256::zero(), data)
}

/// Whether the call was refused: reverted, or failed outright.
fn refused(who: &AccountId, data: Vec<u8>) -> bool {
	bare_call(who, U256::zero(), data).result.map_or(true, |ret| ret.did_revert())
}

fn reverted(out: &ExecReturnValue) -> String {
	assert!(out.did_revert(), "expected a revert, got {out:?}");
	Revert::abi_decode(&out.data).expect("a revert carries a reason").reason
}

fn ok(out: ExecReturnValue) -> Vec<u8> {
	assert!(!out.did_revert(), "reverted: {:?}", String::from_utf8_lossy(&out.data));
	out.data
}

fn request(who: &AccountId, group: u32, input: [u8; 32]) -> ExecReturnValue {
	call(who, IInference::requestCall { group, inputHash: FixedBytes(input) }.abi_encode())
}

fn certificate(id: u64) -> ExecReturnValue {
	call(&alice(), IInference::certificateCall { requestId: id }.abi_encode())
}

fn held(who: &AccountId) -> Balance {
	Balances::balance_on_hold(&pallet_inference::HoldReason::Fee.into(), who)
}

/// Owner `o`'s worker commits to and reveals `label` for every request of `batch`.
fn vote(batch: u64, voters: &[(u8, u32)]) {
	let n = pallet_inference::Batches::<Test>::get(batch).unwrap().len as usize;
	for (o, label) in voters {
		let outputs = vec![Output::Label(*label); n];
		let digest = commitment(batch, u32::from(*o) - 1, 1, &outputs, &[*o; 32]);
		let requests = pallet_inference::RequestsDigests::<Test>::get(batch).unwrap();
		assert_ok!(Inference::commit_for_requests(
			RuntimeOrigin::signed(worker_of(*o)),
			batch,
			requests,
			digest
		));
	}
	let info = pallet_inference::Batches::<Test>::get(batch).unwrap();
	run_to_block(info.commit_until + 1);
	for (o, label) in voters {
		let outputs = vec![Output::Label(*label); n];
		assert_ok!(Inference::reveal(
			RuntimeOrigin::signed(worker_of(*o)),
			batch,
			1,
			outputs,
			[*o; 32]
		));
	}
}

#[test]
fn group_terms_are_the_registry_s_in_wei() {
	new_test_ext().execute_with(|| {
		let out = ok(call(&alice(), IInference::groupTermsCall { group: 0 }.abi_encode()));
		let terms = IInference::groupTermsCall::abi_decode_returns(&out).unwrap();
		assert_eq!(terms.price, alloy::primitives::U256::from(PRICE * WEI));
		assert_eq!(terms.quorum, QUORUM);
		assert_eq!(terms.members, vec![0, 1, 2, 3]);
		assert_eq!(terms.classes, 10);
		assert!(terms.active);

		let out = call(&alice(), IInference::groupTermsCall { group: 7 }.abi_encode());
		assert_eq!(reverted(&out), "unknown group");
	});
}

#[test]
fn a_request_is_the_caller_s_and_holds_the_price() {
	new_test_ext().execute_with(|| {
		let first = IInference::requestCall::abi_decode_returns(&ok(request(&alice(), 0, [9; 32])))
			.unwrap();
		let second =
			IInference::requestCall::abi_decode_returns(&ok(request(&alice(), 0, [8; 32])))
				.unwrap();
		assert_eq!((first, second), (0, 1));
		assert_eq!(held(&alice()), 2 * PRICE);
		let (batch, index) = pallet_inference::Requests::<Test>::get(first).unwrap();
		let entries = pallet_inference::BatchRequests::<Test>::get(batch);
		assert_eq!(entries[index as usize].client, alice());
		assert_eq!(entries[index as usize].input_hash, [9; 32]);

		// The certificate names the caller's address as the client.
		let cert =
			IInference::certificateCall::abi_decode_returns(&ok(certificate(first))).unwrap();
		let alice_address = <Test as pallet_revive::Config>::AddressMapper::to_address(&alice());
		assert_eq!(cert.client.0 .0, alice_address.0);
		assert_eq!(cert.outcome, IInference::Outcome::Pending);
		assert_eq!(cert.fee, alloy::primitives::U256::from(PRICE * WEI));
	});
}

#[test]
fn refused_requests_revert_with_a_reason_and_hold_nothing() {
	new_test_ext().execute_with(|| {
		let next = pallet_inference::NextRequestId::<Test>::get();
		assert_eq!(reverted(&request(&alice(), 5, [1; 32])), "unknown group");
		assert_eq!(
			reverted(&request(&pauper(), 0, [1; 32])),
			"the caller cannot pay the group's price"
		);
		let with_value = call_with_value(
			&alice(),
			U256::from(WEI),
			IInference::requestCall { group: 0, inputHash: FixedBytes([1; 32]) }.abi_encode(),
		);
		assert_eq!(
			reverted(&with_value),
			"request takes no value: the price is held from the caller's balance"
		);
		assert_eq!(pallet_inference::NextRequestId::<Test>::get(), next);
		assert_eq!(held(&alice()), 0);
		assert_eq!(held(&pauper()), 0);
		assert!(pallet_inference::Batches::<Test>::iter().next().is_none(), "no batch opened");
	});
}

#[test]
fn an_inactive_group_refuses_requests() {
	new_test_ext().execute_with(|| {
		// Two members leave: two remain, under the quorum of three.
		for o in [3u8, 4] {
			assert_ok!(Models::leave_group(RuntimeOrigin::signed(owner(o)), 0, u32::from(o) - 1));
		}
		let terms = IInference::groupTermsCall::abi_decode_returns(&ok(call(
			&alice(),
			IInference::groupTermsCall { group: 0 }.abi_encode(),
		)))
		.unwrap();
		assert!(!terms.active);
		assert_eq!(terms.members, vec![0, 1]);
		assert_eq!(
			reverted(&request(&alice(), 0, [1; 32])),
			"the group is inactive: fewer members than its quorum"
		);
		assert_eq!(held(&alice()), 0);
	});
}

#[test]
fn certificates_read_as_the_chain_decided() {
	new_test_ext().execute_with(|| {
		let id = IInference::requestCall::abi_decode_returns(&ok(request(&alice(), 0, [9; 32])))
			.unwrap();
		let (batch, _) = pallet_inference::Requests::<Test>::get(id).unwrap();
		run_to_block(2);
		// Three members agree on 7, one says 3.
		vote(batch, &[(1, 7), (2, 7), (3, 7), (4, 3)]);
		let decided = pallet_inference::Pallet::<Test>::certificate(id).unwrap();
		let cert = IInference::certificateCall::abi_decode_returns(&ok(certificate(id))).unwrap();
		assert_eq!(cert.requestId, id);
		assert_eq!(cert.group, 0);
		assert_eq!(cert.inputHash.0, [9; 32]);
		assert_eq!(cert.outcome, IInference::Outcome::Certified);
		assert_eq!(cert.labels, vec![7]);
		assert_eq!(cert.outputDigest.0, [0; 32]);
		assert_eq!(cert.agreed, 3);
		assert_eq!(cert.members, 4);
		assert_eq!(cert.orderedAt, 1);
		assert_eq!(Some(cert.decidedAt), decided.decided_at.map(|b| b as u32));
		assert!(cert.decidedAt > 0);
		assert!(!cert.settled, "fees move when the batch closes");
		assert_eq!(held(&alice()), PRICE);

		// The batch closes at its deadline: the price is paid out.
		let deadline = pallet_inference::Batches::<Test>::get(batch).unwrap().deadline;
		run_to_block(deadline + 1);
		let cert = IInference::certificateCall::abi_decode_returns(&ok(certificate(id))).unwrap();
		assert!(cert.settled);
		assert_eq!(cert.outcome, IInference::Outcome::Certified);
		assert_eq!(held(&alice()), 0);

		assert_eq!(reverted(&certificate(id + 1)), "unknown request: never ordered, or pruned");
	});
}

#[test]
fn call_data_that_does_not_decode_is_refused() {
	new_test_ext().execute_with(|| {
		let mut data =
			IInference::requestCall { group: 0, inputHash: FixedBytes([1; 32]) }.abi_encode();
		data.truncate(20);
		assert!(refused(&alice(), data), "truncated call data is refused");
		assert!(refused(&alice(), vec![0xde, 0xad, 0xbe, 0xef]), "an unknown selector is refused");
		assert!(refused(&alice(), vec![]), "empty call data is refused");
		assert_eq!(held(&alice()), 0);
		assert_eq!(pallet_inference::NextRequestId::<Test>::get(), 0);
	});
}

#[test]
fn reads_are_charged_for_the_worst_case_then_refunded_to_what_they_read() {
	use pallet_inference::WeightInfo;
	type Weights = <Test as pallet_inference::Config>::WeightInfo;
	new_test_ext().execute_with(|| {
		let id = |out| IInference::requestCall::abi_decode_returns(&ok(out)).unwrap();
		// A batch of one request, then a batch of five ordered in one block.
		let alone = id(request(&alice(), 0, [1; 32]));
		run_to_block(2);
		let five: Vec<u64> = (0..5u8).map(|i| id(request(&alice(), 0, [10 + i; 32]))).collect();
		let (batch, _) = pallet_inference::Requests::<Test>::get(five[4]).unwrap();
		assert_eq!(pallet_inference::Batches::<Test>::get(batch).unwrap().len, 5);

		let read = |id: u64| {
			let result = bare_call(
				&alice(),
				U256::zero(),
				IInference::certificateCall { requestId: id }.abi_encode(),
			);
			assert!(!result.result.unwrap().did_revert());
			(result.weight_consumed, result.weight_required)
		};
		let (of_one, required) = read(alone);
		let (of_five, _) = read(five[4]);
		// What a read costs beyond the other is the benchmarked difference of
		// the batches' sizes: each was refunded down to its own batch.
		assert_eq!(
			of_five.ref_time() - of_one.ref_time(),
			Weights::read_certificate(5).ref_time() - Weights::read_certificate(1).ref_time()
		);
		// Charged first for the largest batch.
		let largest =
			Weights::read_certificate(
				<<Test as pallet_inference::Config>::MaxBatchSize as frame_support::traits::Get<
					u32,
				>>::get(),
			);
		assert!(required.ref_time() >= largest.ref_time(), "{required:?} < {largest:?}");
		assert!(of_one.ref_time() < required.ref_time());

		let terms = || {
			let result = bare_call(
				&alice(),
				U256::zero(),
				IInference::groupTermsCall { group: 0 }.abi_encode(),
			);
			assert!(!result.result.unwrap().did_revert());
			result.weight_consumed
		};
		let of_four = terms();
		assert_ok!(Models::leave_group(RuntimeOrigin::signed(owner(4)), 0, 3));
		let of_three = terms();
		assert_eq!(
			of_four.ref_time() - of_three.ref_time(),
			Weights::read_group_terms(4).ref_time() - Weights::read_group_terms(3).ref_time()
		);
	});
}
