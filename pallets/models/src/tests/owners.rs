//! Admission, bonding, unbonding across blocks, withdrawal.

use super::*;
use crate::{Error, Owners};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use sp_runtime::DispatchError;

#[test]
fn root_admits_an_owner_once() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Models::admit_owner(RuntimeOrigin::root(), OUTSIDER));
		assert_eq!(last_event(), Event::OwnerAdmitted { owner: OUTSIDER });
		assert_noop!(
			Models::admit_owner(RuntimeOrigin::root(), OUTSIDER),
			Error::<Test>::AlreadyOwner
		);
	});
}

#[test]
fn only_root_admits() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(
			Models::admit_owner(RuntimeOrigin::signed(1), OUTSIDER),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn bonding_holds_funds() {
	ExtBuilder::build_and_execute(|| {
		assert_eq!(Models::held_bond(&1), START_BOND);
		assert_ok!(Models::bond(RuntimeOrigin::signed(1), 500));
		assert_eq!(last_event(), Event::Bonded { owner: 1, amount: 500 });
		assert_eq!(Models::held_bond(&1), START_BOND + 500);
		assert_eq!(Balances::balance(&1), START_FREE - START_BOND - 500);
		assert_eq!(Owners::<Test>::get(1).unwrap().bonded, START_BOND + 500);
	});
}

#[test]
fn bond_errors() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(Models::bond(RuntimeOrigin::signed(OUTSIDER), 5), Error::<Test>::NotOwner);
		assert_noop!(Models::bond(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		// More than the free balance: the hold fails and nothing changes.
		assert!(Models::bond(RuntimeOrigin::signed(1), START_FREE).is_err());
		assert_eq!(Models::held_bond(&1), START_BOND);
	});
}

#[test]
fn unbonded_stake_is_released_only_after_the_unbonding_period() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Models::unbond(RuntimeOrigin::signed(1), 400));
		assert_eq!(last_event(), Event::Unbonded { owner: 1, amount: 400, until: 11 });
		// Still held while unbonding.
		assert_eq!(Models::held_bond(&1), START_BOND);
		assert_eq!(Owners::<Test>::get(1).unwrap().bonded, START_BOND - 400);

		run_to_block(10);
		assert_noop!(
			Models::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NothingToWithdraw
		);

		run_to_block(11);
		assert_ok!(Models::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::Withdrawn { owner: 1, amount: 400 });
		assert_eq!(Models::held_bond(&1), START_BOND - 400);
		assert_eq!(Balances::balance(&1), START_FREE - START_BOND + 400);
	});
}

#[test]
fn chunks_mature_separately() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(Models::unbond(RuntimeOrigin::signed(1), 100)); // until 11
		run_to_block(5);
		assert_ok!(Models::unbond(RuntimeOrigin::signed(1), 200)); // until 15
		assert_noop!(
			Models::unbond(RuntimeOrigin::signed(1), 1),
			Error::<Test>::TooManyUnbondingChunks
		);
		run_to_block(12);
		assert_ok!(Models::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::Withdrawn { owner: 1, amount: 100 });
		run_to_block(15);
		assert_ok!(Models::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::Withdrawn { owner: 1, amount: 200 });
		assert_eq!(Models::held_bond(&1), START_BOND - 300);
	});
}

#[test]
fn unbond_errors() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(Models::unbond(RuntimeOrigin::signed(OUTSIDER), 1), Error::<Test>::NotOwner);
		assert_noop!(Models::unbond(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			Models::unbond(RuntimeOrigin::signed(1), START_BOND + 1),
			Error::<Test>::InsufficientBond
		);
		assert_noop!(
			Models::withdraw_unbonded(RuntimeOrigin::signed(OUTSIDER)),
			Error::<Test>::NotOwner
		);
	});
}

#[test]
fn stake_backing_a_membership_cannot_be_unbonded() {
	ExtBuilder::build_and_execute(|| {
		let group = digits_group(2);
		let model = ready_model(1);
		assert_ok!(Models::join_group(RuntimeOrigin::signed(1), group, model));
		// 100 of the 1_000 back the membership.
		assert_noop!(
			Models::unbond(RuntimeOrigin::signed(1), START_BOND - 99),
			Error::<Test>::BondBacksMembership
		);
		assert_ok!(Models::unbond(RuntimeOrigin::signed(1), START_BOND - 100));
		// Leaving frees it.
		assert_ok!(Models::leave_group(RuntimeOrigin::signed(1), group, model));
		assert_ok!(Models::unbond(RuntimeOrigin::signed(1), 100));
	});
}
