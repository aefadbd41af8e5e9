//! Unit tests: root-only changes, their errors, session hand-over and offences.

#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

use crate::{mock::*, ChangePlanned, Error, Event};
use frame_support::{assert_noop, assert_ok};
use pallet_session::SessionManager;
use sp_runtime::{DispatchError, Perbill};
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::ValidatorSet(e) => Some(e),
			_ => None,
		})
		.expect("the pallet deposited an event")
}

fn report(offenders: &[u64], session: u32) {
	let details: Vec<OffenceDetails<u64, (u64, ())>> = offenders
		.iter()
		.map(|o| OffenceDetails { offender: (*o, ()), reporters: vec![] })
		.collect();
	let fractions = vec![Perbill::zero(); details.len()];
	<ValidatorSet as OnOffenceHandler<u64, (u64, ()), _>>::on_offence(
		&details, &fractions, session,
	);
}

#[test]
fn genesis_set_is_sorted_and_handed_to_the_first_session() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(ValidatorSet::validators(), vec![1, 2, 3]);
		assert_eq!(ValidatorSet::new_session_genesis(0), Some(vec![1, 2, 3]));
		// Nothing changed since genesis: the session pallet keeps its set.
		assert_eq!(<ValidatorSet as SessionManager<u64>>::new_session(1), None);
	});
}

#[test]
fn root_adds_a_validator_and_the_next_rotation_takes_it() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
		assert_eq!(last_event(), Event::ValidatorAdded { who: 4 });
		assert!(ChangePlanned::<Test>::get());
		assert_eq!(<ValidatorSet as SessionManager<u64>>::new_session(2), Some(vec![1, 2, 3, 4]));
		assert_eq!(last_event(), Event::NewSetPlanned { session: 2, validators: 4 });
		// Handed over once; the following rotation keeps it.
		assert_eq!(<ValidatorSet as SessionManager<u64>>::new_session(3), None);
	});
}

#[test]
fn add_validator_refuses_signed_origins() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::signed(1), 4),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn add_validator_refuses_duplicates() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), 2),
			Error::<Test>::AlreadyValidator
		);
	});
}

#[test]
fn add_validator_refuses_an_account_without_session_keys() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), KEYLESS),
			Error::<Test>::NoSessionKeys
		);
	});
}

#[test]
fn add_validator_refuses_past_the_maximum() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 5));
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), 6),
			Error::<Test>::TooManyValidators
		);
	});
}

#[test]
fn root_removes_a_validator() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 2));
		assert_eq!(last_event(), Event::ValidatorRemoved { who: 2 });
		assert_eq!(<ValidatorSet as SessionManager<u64>>::new_session(2), Some(vec![1, 3]));
	});
}

#[test]
fn remove_validator_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::signed(1), 2),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), 7),
			Error::<Test>::NotValidator
		);
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 1));
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), 2),
			Error::<Test>::TooFewValidators
		);
	});
}

#[test]
fn an_offender_is_dropped_from_the_next_set() {
	ExtBuilder::default().build_and_execute(|| {
		report(&[2], 5);
		assert_eq!(last_event(), Event::ValidatorRemovedForOffence { who: 2, session: 5 });
		assert_eq!(<ValidatorSet as SessionManager<u64>>::new_session(6), Some(vec![1, 3]));
	});
}

#[test]
fn offenders_never_shrink_the_set_below_the_minimum() {
	ExtBuilder::default().build_and_execute(|| {
		report(&[1, 2, 9], 3);
		// 1 goes, 2 stays (minimum of two), 9 is not a validator and is ignored.
		assert_eq!(ValidatorSet::validators(), vec![2, 3]);
		assert_eq!(last_event(), Event::OffenderKept { who: 2, session: 3 });
	});
}

#[test]
#[should_panic(expected = "smaller than MinValidators")]
fn genesis_refuses_a_set_below_the_minimum() {
	ExtBuilder::default().validators(vec![1]).build_and_execute(|| {});
}

#[test]
fn an_unconfigured_set_cannot_be_changed() {
	ExtBuilder::default().validators(vec![]).build_and_execute(|| {
		assert_eq!(ValidatorSet::new_session_genesis(0), None);
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), 4),
			Error::<Test>::SetNotConfigured
		);
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), 1),
			Error::<Test>::NotValidator
		);
	});
}

#[test]
fn the_pallet_rotates_sessions_in_its_own_hook_at_the_weight_of_a_full_set() {
	use crate::WeightInfo;
	use frame_support::traits::Hooks;
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
		let check = <() as WeightInfo>::keep_session();
		let rotation =
			check.saturating_add(<() as WeightInfo>::rotate_session(MaxValidators::get()));
		assert!(rotation.all_gt(check), "a rotation weighs more than the check alone");
		let mut charged = Vec::new();
		for n in 1..=7 {
			System::set_block_number(n);
			charged.push(ValidatorSet::on_initialize(n));
		}
		assert_eq!(Rotations::get(), vec![3, 6], "sessions end where the runtime says");
		let expected: Vec<_> = (1..=7).map(|n| if n % 3 == 0 { rotation } else { check }).collect();
		assert_eq!(
			charged, expected,
			"a rotation is charged at the largest set, never the whole block"
		);
		// The first rotation took the planned set; the second had nothing new.
		assert!(!ChangePlanned::<Test>::get(), "the planned set was handed over");
		let planned: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::ValidatorSet(Event::NewSetPlanned { session, validators }) => {
					Some((session, validators))
				}
				_ => None,
			})
			.collect();
		assert_eq!(planned, vec![(2, 4)], "one new set, planned at the first rotation");
	});
}
