//! Creating groups, joining and leaving, quorum as a strict majority.

use super::*;
use crate::{Error, Groups, ModelGroups, Owners};
use dropbear_primitives::{DType, InputSpec, Task};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

fn create(
	origin: RuntimeOrigin,
	policy: AgreementPolicy,
	quorum: u32,
	max_batch: u32,
) -> frame_support::dispatch::DispatchResult {
	Models::create_group(origin, digits_task(), digits_input(), policy, quorum, 10, max_batch, 100)
}

#[test]
fn root_or_an_owner_creates_groups() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(create(RuntimeOrigin::root(), AgreementPolicy::Top1, 3, 32));
		assert_eq!(last_event(), Event::GroupCreated { group: 0, creator: None });
		assert_ok!(create(RuntimeOrigin::signed(2), AgreementPolicy::TopK(3), 2, 8));
		assert_eq!(last_event(), Event::GroupCreated { group: 1, creator: Some(2) });
		let g = Groups::<Test>::get(1).unwrap();
		assert_eq!(
			(g.quorum, g.price, g.max_batch, g.min_member_bond, g.active),
			(2, 10, 8, 100, false)
		);
	});
}

#[test]
fn create_group_errors() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(
			create(RuntimeOrigin::signed(OUTSIDER), AgreementPolicy::Top1, 2, 8),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			create(RuntimeOrigin::none(), AgreementPolicy::Top1, 2, 8),
			DispatchError::BadOrigin
		);
		assert_noop!(
			create(RuntimeOrigin::root(), AgreementPolicy::Top1, 0, 8),
			Error::<Test>::InvalidQuorum
		);
		assert_noop!(
			create(RuntimeOrigin::root(), AgreementPolicy::Top1, 6, 8),
			Error::<Test>::InvalidQuorum
		);
		assert_noop!(
			create(RuntimeOrigin::root(), AgreementPolicy::Top1, 2, 0),
			Error::<Test>::InvalidBatchSize
		);
		assert_noop!(
			create(RuntimeOrigin::root(), AgreementPolicy::Top1, 2, 65),
			Error::<Test>::InvalidBatchSize
		);
		assert_noop!(
			create(RuntimeOrigin::root(), AgreementPolicy::TopK(0), 2, 8),
			Error::<Test>::InvalidPolicy
		);
		assert_noop!(
			create(RuntimeOrigin::root(), AgreementPolicy::TopK(10), 2, 8),
			Error::<Test>::InvalidPolicy
		);
		assert_noop!(
			Models::create_group(
				RuntimeOrigin::root(),
				Task::ImageClassification { classes: 1000 },
				digits_input(),
				AgreementPolicy::TopK(17),
				2,
				10,
				8,
				0
			),
			Error::<Test>::InvalidPolicy
		);
		assert_noop!(
			Models::create_group(
				RuntimeOrigin::root(),
				Task::ImageClassification { classes: 1 },
				digits_input(),
				AgreementPolicy::Top1,
				1,
				10,
				8,
				0
			),
			Error::<Test>::InvalidTask
		);
		let bad = InputSpec { dtype: DType::U8, shape: vec![0].try_into().unwrap() };
		assert_noop!(
			Models::create_group(
				RuntimeOrigin::root(),
				digits_task(),
				bad,
				AgreementPolicy::Top1,
				1,
				10,
				8,
				0
			),
			Error::<Test>::InvalidInputSpec
		);
	});
}

#[test]
fn a_group_activates_at_its_quorum_and_fills_up_to_two_q_minus_one() {
	ExtBuilder::build_and_execute(|| {
		let group = digits_group(3);
		let models: Vec<_> = OWNERS.iter().map(|o| ready_model(*o)).collect();
		for (i, (owner, model)) in OWNERS.iter().zip(&models).enumerate() {
			assert_ok!(Models::join_group(RuntimeOrigin::signed(*owner), group, *model));
			assert!(events().contains(&Event::MemberJoined {
				group,
				model: *model,
				owner: *owner
			}));
			let active = Groups::<Test>::get(group).unwrap().active;
			assert_eq!(active, i + 1 >= 3, "active after {} members", i + 1);
			if i + 1 == 3 {
				assert_eq!(last_event(), Event::GroupActivated { group });
			}
		}
		// Five members with q = 3: the quorum is still a majority; that is the most.
		assert_eq!(Groups::<Test>::get(group).unwrap().members.len(), 5);
		assert_ok!(Models::admit_owner(RuntimeOrigin::root(), OUTSIDER));
		assert_ok!(Models::bond(RuntimeOrigin::signed(OUTSIDER), 500));
		let late = ready_model(OUTSIDER);
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(OUTSIDER), group, late),
			Error::<Test>::GroupFull
		);
	});
}

#[test]
fn a_group_below_its_quorum_stops_and_says_so() {
	ExtBuilder::build_and_execute(|| {
		let group = digits_group(2);
		let a = ready_model(1);
		let b = ready_model(2);
		assert_ok!(Models::join_group(RuntimeOrigin::signed(1), group, a));
		assert_ok!(Models::join_group(RuntimeOrigin::signed(2), group, b));
		assert!(Groups::<Test>::get(group).unwrap().active);
		assert_ok!(Models::leave_group(RuntimeOrigin::signed(2), group, b));
		assert_eq!(last_event(), Event::GroupDeactivated { group });
		assert!(!Groups::<Test>::get(group).unwrap().active);
		assert!(ModelGroups::<Test>::get(b).is_empty());
		assert_eq!(Owners::<Test>::get(2).unwrap().backing, 0);
		// Back again: active again.
		assert_ok!(Models::join_group(RuntimeOrigin::signed(2), group, b));
		assert_eq!(last_event(), Event::GroupActivated { group });
	});
}

#[test]
fn join_errors() {
	ExtBuilder::build_and_execute(|| {
		let group = digits_group(2);
		let model = ready_model(1);
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(1), 9, model),
			Error::<Test>::UnknownGroup
		);
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(2), group, model),
			Error::<Test>::NotModelOwner
		);

		// No worker.
		assert_ok!(Models::revoke_worker(RuntimeOrigin::signed(1), model));
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(1), group, model),
			Error::<Test>::NoWorker
		);
		assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(1), model, worker_of(1)));

		// A second model of the same owner.
		assert_ok!(Models::join_group(RuntimeOrigin::signed(1), group, model));
		let second = crate::NextModelId::<Test>::get();
		assert_ok!(Models::register_model(
			RuntimeOrigin::signed(1),
			b"cnn".to_vec().try_into().unwrap(),
			digits_task(),
			digits_input(),
			digest(3),
			crate::WeightsFormat::TorchScript
		));
		assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(1), second, 201));
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(1), group, second),
			Error::<Test>::OwnerAlreadyMember
		);

		// Task and input must match.
		let other_task = crate::NextModelId::<Test>::get();
		assert_ok!(Models::register_model(
			RuntimeOrigin::signed(2),
			b"cifar".to_vec().try_into().unwrap(),
			Task::ImageClassification { classes: 100 },
			digits_input(),
			digest(3),
			crate::WeightsFormat::TorchScript
		));
		assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(2), other_task, 202));
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(2), group, other_task),
			Error::<Test>::TaskMismatch
		);
		let other_input = crate::NextModelId::<Test>::get();
		assert_ok!(Models::register_model(
			RuntimeOrigin::signed(3),
			b"big".to_vec().try_into().unwrap(),
			digits_task(),
			InputSpec { dtype: DType::U8, shape: vec![1, 8, 8].try_into().unwrap() },
			digest(3),
			crate::WeightsFormat::TorchScript
		));
		assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(3), other_input, 203));
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(3), group, other_input),
			Error::<Test>::InputMismatch
		);

		// Not enough bond for another membership.
		let m4 = ready_model(4);
		assert_ok!(Models::unbond(RuntimeOrigin::signed(4), START_BOND - 50));
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(4), group, m4),
			Error::<Test>::InsufficientBond
		);

		// Too many groups for one model (MaxGroupsPerModel = 2).
		let g2 = digits_group(1);
		let g3 = digits_group(1);
		assert_ok!(Models::join_group(RuntimeOrigin::signed(1), g2, model));
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(1), g3, model),
			Error::<Test>::TooManyGroups
		);

		// Retired models cannot join.
		let m5 = ready_model(5);
		assert_ok!(Models::retire_model(RuntimeOrigin::signed(5), m5));
		assert_noop!(
			Models::join_group(RuntimeOrigin::signed(5), group, m5),
			Error::<Test>::ModelRetired
		);
	});
}

#[test]
fn leave_errors() {
	ExtBuilder::build_and_execute(|| {
		let group = digits_group(2);
		let model = ready_model(1);
		assert_noop!(
			Models::leave_group(RuntimeOrigin::signed(1), group, model),
			Error::<Test>::NotMember
		);
		assert_noop!(
			Models::leave_group(RuntimeOrigin::signed(1), 7, model),
			Error::<Test>::UnknownGroup
		);
		assert_ok!(Models::join_group(RuntimeOrigin::signed(1), group, model));
		assert_noop!(
			Models::leave_group(RuntimeOrigin::signed(2), group, model),
			Error::<Test>::NotModelOwner
		);
	});
}
