//! What keeps a certificate's promise on the registry's side: members run
//! different weights, a member whose bond fell below the group's minimum is
//! suspended, and root can remove members and owners without losing stake.

use super::*;
use crate::{
	Error, Groups, ModelGroups, ModelRegistry, Models as ModelsStore, OwnerModels, Owners, Workers,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use sp_runtime::{DispatchError, Perbill};

/// Owner `owner` registers a digits model with weights `digest(d)`.
fn register(owner: u64, d: u8) -> frame_support::dispatch::DispatchResult {
	Models::register_model(
		RuntimeOrigin::signed(owner),
		b"digits".to_vec().try_into().unwrap(),
		digits_task(),
		digits_input(),
		digest(d),
		crate::WeightsFormat::TorchScript,
	)
}

/// A quorum-2 group of owner 1's and owner 2's models: (group, a, b).
fn group_of_two() -> (GroupId, ModelId, ModelId) {
	let group = digits_group(2);
	let a = ready_model(1);
	let b = ready_model(2);
	assert_ok!(Models::join_group(RuntimeOrigin::signed(1), group, a));
	assert_ok!(Models::join_group(RuntimeOrigin::signed(2), group, b));
	(group, a, b)
}

fn publish(owner: u64, model: ModelId, d: u8) -> frame_support::dispatch::DispatchResult {
	Models::publish_version(
		RuntimeOrigin::signed(owner),
		model,
		digest(d),
		crate::WeightsFormat::TorchScript,
	)
}

#[test]
fn a_model_with_a_fellow_members_weights_cannot_join() {
	ExtBuilder::build_and_execute(|| {
		let group = digits_group(2);
		let a = ready_model(1);
		assert_ok!(Models::join_group(RuntimeOrigin::signed(1), group, a));
		// Owner 2 registers owner 1's weights under its own name.
		let copy = crate::NextModelId::<Test>::get();
		assert_ok!(register(2, 1));
		assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(2), copy, worker_of(2)));
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(2), group, copy),
			Error::<Test>::DuplicateWeights
		);
		// A pending version counts too: owner 3 publishes owner 1's next weights.
		let b = ready_model(3);
		assert_ok!(publish(1, a, 77));
		assert_ok!(publish(3, b, 77));
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(3), group, b),
			Error::<Test>::DuplicateWeights
		);
	});
}

#[test]
fn a_member_cannot_publish_a_fellow_members_weights() {
	ExtBuilder::build_and_execute(|| {
		let (_, a, b) = group_of_two();
		// Owner 2's current weights...
		assert_noop!(publish(1, a, 2), Error::<Test>::DuplicateWeights);
		// ...and its pending ones.
		assert_ok!(publish(2, b, 60));
		assert_noop!(publish(1, a, 60), Error::<Test>::DuplicateWeights);
		// Its own weights again are allowed (a re-publication), others too.
		assert_ok!(publish(1, a, 1));
		assert_ok!(publish(1, a, 61));
		// A model outside the group may use anything.
		let c = ready_model(3);
		run_to_block(2);
		assert_ok!(publish(3, c, 2));
	});
}

#[test]
fn a_member_below_the_groups_minimum_bond_is_suspended_until_it_bonds_again() {
	ExtBuilder::build_and_execute(|| {
		let (group, a, b) = group_of_two();
		assert!(!Models::is_suspended(group, a));
		// 95% of 1_000 leaves 50, below the group's minimum of 100.
		Models::slash_owner(&1, Perbill::from_percent(95));
		assert!(Models::is_suspended(group, a));
		assert!(!Models::is_suspended(group, b));
		assert!(Models::is_suspended(group, 99), "not a member: counts for nothing");
		assert_ok!(Models::bond(RuntimeOrigin::signed(1), 50));
		assert!(!Models::is_suspended(group, a));
	});
}

#[test]
fn root_removes_a_member_from_a_group() {
	ExtBuilder::build_and_execute(|| {
		let (group, _, b) = group_of_two();
		assert_noop!(
			Models::remove_member(RuntimeOrigin::signed(1), group, b),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Models::remove_member(RuntimeOrigin::root(), 9, b),
			Error::<Test>::UnknownGroup
		);
		assert_noop!(
			Models::remove_member(RuntimeOrigin::root(), group, 9),
			Error::<Test>::NotMember
		);
		assert_ok!(Models::remove_member(RuntimeOrigin::root(), group, b));
		assert_eq!(last_event(), Event::MemberRemoved { group, model: b, owner: 2 });
		assert!(events().contains(&Event::GroupDeactivated { group }));
		assert_eq!(Groups::<Test>::get(group).unwrap().members.len(), 1);
		assert!(ModelGroups::<Test>::get(b).is_empty());
		// The membership no longer backs owner 2's bond: it may unbond it all.
		assert_eq!(Owners::<Test>::get(2).unwrap().backing, 0);
		assert_ok!(Models::unbond(RuntimeOrigin::signed(2), START_BOND));
	});
}

#[test]
fn root_removes_an_owner_whose_whole_bond_goes_back_to_it() {
	ExtBuilder::build_and_execute(|| {
		let group = digits_group(2);
		let a = ready_model(1);
		let b = ready_model(2);
		let spare = crate::NextModelId::<Test>::get();
		assert_ok!(register(1, 11));
		assert_ok!(Models::join_group(RuntimeOrigin::signed(1), group, a));
		assert_ok!(Models::join_group(RuntimeOrigin::signed(2), group, b));
		assert_ok!(publish(1, a, 70));
		assert_ok!(Models::unbond(RuntimeOrigin::signed(1), 300));
		assert_eq!(OwnerModels::<Test>::get(1).to_vec(), vec![a, spare]);
		let issuance = Balances::total_issuance();

		assert_noop!(Models::remove_owner(RuntimeOrigin::signed(2), 1), DispatchError::BadOrigin);
		assert_noop!(
			Models::remove_owner(RuntimeOrigin::root(), OUTSIDER),
			Error::<Test>::NotOwner
		);
		assert_ok!(Models::remove_owner(RuntimeOrigin::root(), 1));
		// Bonded 700 and unbonding 300: all of it released, nothing burned.
		assert_eq!(last_event(), Event::OwnerRemoved { owner: 1, released: START_BOND });
		assert_eq!(Models::held_bond(&1), 0);
		assert_eq!(Balances::balance(&1), START_FREE);
		assert_eq!(Balances::total_issuance(), issuance);
		assert!(Owners::<Test>::get(1).is_none());
		for model in [a, spare] {
			let info = ModelsStore::<Test>::get(model).unwrap();
			assert!(info.retired && info.worker.is_none() && info.pending.is_none());
		}
		assert!(Workers::<Test>::get(worker_of(1)).is_none());
		assert_eq!(Groups::<Test>::get(group).unwrap().members.len(), 1);
		assert!(Models::is_suspended(group, a), "no longer a member: counts for nothing");
		// Removed means removed: it cannot bond or register until admitted again.
		assert_noop!(Models::bond(RuntimeOrigin::signed(1), 10), Error::<Test>::NotOwner);
		assert_ok!(Models::admit_owner(RuntimeOrigin::root(), 1));
	});
}

#[test]
fn an_owner_registers_at_most_max_models() {
	ExtBuilder::build_and_execute(|| {
		for d in 0..8 {
			assert_ok!(register(1, d));
		}
		assert_noop!(register(1, 9), Error::<Test>::TooManyModels);
	});
}
