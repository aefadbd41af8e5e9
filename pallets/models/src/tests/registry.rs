//! The interface `pallet-inference` uses: terms, serving members with their
//! versions at a block, worker lookup, slashing.

use super::*;
use crate::{ModelRegistry, Owners, WeightsFormat};
use frame_support::{assert_ok, traits::fungible::Inspect};
use sp_runtime::Perbill;

#[test]
fn group_terms_and_serving_members_follow_version_activation() {
	ExtBuilder::build_and_execute(|| {
		let group = digits_group(2);
		let a = ready_model(1);
		let b = ready_model(2);
		assert_ok!(Models::join_group(RuntimeOrigin::signed(1), group, a));
		assert_ok!(Models::join_group(RuntimeOrigin::signed(2), group, b));

		let terms = Models::group_terms(group).unwrap();
		assert_eq!((terms.quorum, terms.price, terms.max_batch, terms.classes), (2, 10, 32, 10));
		assert!(terms.active);
		assert_eq!(terms.members, 2);
		assert!(Models::group_terms(99).is_none());

		assert_ok!(Models::publish_version(
			RuntimeOrigin::signed(2),
			b,
			digest(50),
			WeightsFormat::TorchScript
		));
		// Block 3 is still served by version 1, block 4 by version 2.
		let at3 = Models::serving_members(group, 3);
		let at4 = Models::serving_members(group, 4);
		assert_eq!(at3.len(), 2);
		let b3 = at3.iter().find(|m| m.model == b).unwrap();
		let b4 = at4.iter().find(|m| m.model == b).unwrap();
		assert_eq!((b3.version, b3.digest), (1, digest(2)));
		assert_eq!((b4.version, b4.digest), (2, digest(50)));
		assert_eq!(b4.owner, 2);
		assert!(Models::serving_members(77, 4).is_empty());
	});
}

#[test]
fn worker_keys_map_to_their_model() {
	ExtBuilder::build_and_execute(|| {
		let model = ready_model(3);
		assert_eq!(Models::model_of_worker(&worker_of(3)), Some(model));
		assert_eq!(Models::model_of_worker(&worker_of(4)), None);
	});
}

#[test]
fn slashing_takes_a_fraction_of_all_stake_bonded_first() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Models::unbond(RuntimeOrigin::signed(1), 200));
		let issuance = Balances::total_issuance();
		// 10% of 1_000 (800 bonded + 200 unbonding).
		let slashed = Models::slash_owner(&1, Perbill::from_percent(10));
		assert_eq!(slashed, 100);
		assert_eq!(last_event(), Event::OwnerSlashed { owner: 1, amount: 100 });
		let info = Owners::<Test>::get(1).unwrap();
		assert_eq!(info.bonded, 700);
		assert_eq!(info.unbonding[0].amount, 200);
		assert_eq!(Models::held_bond(&1), 900);
		// With `Slashed = ()` the stake is burned.
		assert_eq!(Balances::total_issuance(), issuance - 100);
		assert_eq!(Balances::balance(&1), START_FREE - START_BOND);
	});
}

#[test]
fn slashing_reaches_into_unbonding_stake() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Models::unbond(RuntimeOrigin::signed(1), 900));
		let slashed = Models::slash_owner(&1, Perbill::from_percent(50));
		assert_eq!(slashed, 500);
		let info = Owners::<Test>::get(1).unwrap();
		assert_eq!(info.bonded, 0);
		assert_eq!(info.unbonding[0].amount, 500);
		run_to_block(11);
		assert_ok!(Models::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::Withdrawn { owner: 1, amount: 500 });
	});
}

#[test]
fn slashing_nothing_changes_nothing() {
	ExtBuilder::build_and_execute(|| {
		assert_eq!(Models::slash_owner(&OUTSIDER, Perbill::from_percent(50)), 0);
		assert_eq!(Models::slash_owner(&1, Perbill::zero()), 0);
		assert_eq!(Models::held_bond(&1), START_BOND);
	});
}
