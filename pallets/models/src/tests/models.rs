//! Registering, versions and their activation across blocks, retiring, workers.

use super::*;
use crate::{
	Activations, Error, Models as ModelsStore, PendingVersion, Versions, WeightsFormat,
	WorkerPeers, Workers, MAX_PEER_ADDRS, MAX_PEER_ADDR_LEN, MAX_PEER_ID_LEN,
};
use dropbear_primitives::{DType, InputSpec, Task};
use frame_support::{assert_noop, assert_ok};

fn register(
	owner: u64,
	name: &[u8],
	task: Task,
	input: InputSpec,
) -> frame_support::dispatch::DispatchResult {
	Models::register_model(
		RuntimeOrigin::signed(owner),
		name.to_vec().try_into().unwrap(),
		task,
		input,
		digest(7),
		WeightsFormat::TorchScript,
	)
}

#[test]
fn registering_a_model_makes_version_one_serve_at_once() {
	ExtBuilder::build_and_execute(|| {
		assert_ok!(register(1, b"logreg", digits_task(), digits_input()));
		assert_eq!(
			last_event(),
			Event::ModelRegistered { model: 0, owner: 1, version: 1, digest: digest(7) }
		);
		let info = ModelsStore::<Test>::get(0).unwrap();
		assert_eq!((info.owner, info.current, info.pending), (1, 1, None));
		let record = Versions::<Test>::get(0, 1).unwrap();
		assert_eq!((record.digest, record.active_from), (digest(7), 1));
		assert_ok!(register(1, b"mlp", digits_task(), digits_input()));
		assert!(ModelsStore::<Test>::contains_key(1), "ids are sequential");
	});
}

#[test]
fn register_errors() {
	ExtBuilder::build_and_execute(|| {
		assert_noop!(
			register(OUTSIDER, b"x", digits_task(), digits_input()),
			Error::<Test>::NotOwner
		);
		assert_noop!(register(1, b"", digits_task(), digits_input()), Error::<Test>::EmptyName);
		assert_noop!(
			register(1, b"x", Task::ImageClassification { classes: 1 }, digits_input()),
			Error::<Test>::InvalidTask
		);
		let flat = InputSpec { dtype: DType::U8, shape: vec![3, 0, 4].try_into().unwrap() };
		assert_noop!(register(1, b"x", digits_task(), flat), Error::<Test>::InvalidInputSpec);
		let none = InputSpec { dtype: DType::U8, shape: vec![].try_into().unwrap() };
		assert_noop!(register(1, b"x", digits_task(), none), Error::<Test>::InvalidInputSpec);
	});
}

#[test]
fn a_published_version_activates_at_its_block_not_before() {
	ExtBuilder::build_and_execute(|| {
		let model = ready_model(1);
		assert_ok!(Models::publish_version(
			RuntimeOrigin::signed(1),
			model,
			digest(42),
			WeightsFormat::TorchScript
		));
		assert_eq!(
			last_event(),
			Event::VersionPublished { model, version: 2, digest: digest(42), active_from: 4 }
		);
		let info = ModelsStore::<Test>::get(model).unwrap();
		assert_eq!(info.current, 1);
		assert_eq!(info.pending, Some(PendingVersion { version: 2, active_from: 4 }));
		// Requests ordered in blocks 1..=3 are served by version 1, from 4 by version 2.
		assert_eq!(Models::version_at(&info, 3), 1);
		assert_eq!(Models::version_at(&info, 4), 2);

		run_to_block(3);
		assert_eq!(ModelsStore::<Test>::get(model).unwrap().current, 1);
		run_to_block(4);
		let info = ModelsStore::<Test>::get(model).unwrap();
		assert_eq!((info.current, info.pending), (2, None));
		assert_eq!(last_event(), Event::VersionActivated { model, version: 2 });
		assert!(Activations::<Test>::get(4).is_empty());
	});
}

#[test]
fn publishing_again_before_activation_replaces_the_pending_version_with_a_new_number() {
	ExtBuilder::build_and_execute(|| {
		let model = ready_model(1);
		assert_ok!(Models::publish_version(
			RuntimeOrigin::signed(1),
			model,
			digest(42),
			WeightsFormat::TorchScript
		));
		run_to_block(2);
		assert_ok!(Models::publish_version(
			RuntimeOrigin::signed(1),
			model,
			digest(43),
			WeightsFormat::TorchScript
		));
		// A version number names one file: the replacement is version 3, and
		// version 2 keeps its record (it never serves).
		assert_eq!(
			last_event(),
			Event::PendingVersionReplaced { model, version: 3, digest: digest(43), active_from: 5 }
		);
		assert_eq!(Versions::<Test>::get(model, 2).unwrap().digest, digest(42));
		assert!(Activations::<Test>::get(4).is_empty(), "the old activation is unscheduled");
		run_to_block(4);
		assert_eq!(ModelsStore::<Test>::get(model).unwrap().current, 1, "nothing activates at 4");
		run_to_block(5);
		assert_eq!(ModelsStore::<Test>::get(model).unwrap().current, 3);
		assert_eq!(Versions::<Test>::get(model, 3).unwrap().digest, digest(43));
		// After activation a new publish is version 4.
		assert_ok!(Models::publish_version(
			RuntimeOrigin::signed(1),
			model,
			digest(44),
			WeightsFormat::TorchScript
		));
		assert_eq!(ModelsStore::<Test>::get(model).unwrap().pending.unwrap().version, 4);
	});
}

#[test]
fn publish_errors() {
	ExtBuilder::build_and_execute(|| {
		let model = ready_model(1);
		let m2 = ready_model(2);
		let m3 = ready_model(3);
		assert_noop!(
			Models::publish_version(
				RuntimeOrigin::signed(2),
				model,
				digest(1),
				WeightsFormat::TorchScript
			),
			Error::<Test>::NotModelOwner
		);
		assert_noop!(
			Models::publish_version(
				RuntimeOrigin::signed(1),
				99,
				digest(1),
				WeightsFormat::TorchScript
			),
			Error::<Test>::UnknownModel
		);
		// Two activations fit in one block; the third is refused with nothing changed.
		assert_ok!(Models::publish_version(
			RuntimeOrigin::signed(1),
			model,
			digest(1),
			WeightsFormat::TorchScript
		));
		assert_ok!(Models::publish_version(
			RuntimeOrigin::signed(2),
			m2,
			digest(1),
			WeightsFormat::TorchScript
		));
		assert_noop!(
			Models::publish_version(
				RuntimeOrigin::signed(3),
				m3,
				digest(1),
				WeightsFormat::TorchScript
			),
			Error::<Test>::ActivationQueueFull
		);
		assert_ok!(Models::retire_model(RuntimeOrigin::signed(1), model));
		assert_noop!(
			Models::publish_version(
				RuntimeOrigin::signed(1),
				model,
				digest(1),
				WeightsFormat::TorchScript
			),
			Error::<Test>::ModelRetired
		);
	});
}

#[test]
fn retiring_a_model_leaves_its_groups_revokes_its_worker_and_cancels_its_pending_version() {
	ExtBuilder::build_and_execute(|| {
		let g1 = digits_group(2);
		let g2 = digits_group(1);
		let model = ready_model(1);
		let other = ready_model(2);
		for g in [g1, g2] {
			assert_ok!(Models::join_group(RuntimeOrigin::signed(1), g, model));
		}
		assert_ok!(Models::join_group(RuntimeOrigin::signed(2), g1, other));
		assert_ok!(Models::publish_version(
			RuntimeOrigin::signed(1),
			model,
			digest(9),
			WeightsFormat::TorchScript
		));

		assert_ok!(Models::retire_model(RuntimeOrigin::signed(1), model));
		let evs = events();
		assert!(evs.contains(&Event::MemberLeft { group: g1, model, owner: 1 }));
		assert!(evs.contains(&Event::GroupDeactivated { group: g1 }));
		assert!(evs.contains(&Event::WorkerRevoked { model, worker: worker_of(1) }));
		assert_eq!(last_event(), Event::ModelRetired { model });
		let info = ModelsStore::<Test>::get(model).unwrap();
		assert!(info.retired && info.worker.is_none() && info.pending.is_none());
		assert!(Workers::<Test>::get(worker_of(1)).is_none());
		assert!(Activations::<Test>::get(4).is_empty());
		assert_eq!(crate::Owners::<Test>::get(1).unwrap().backing, 0);
		assert_noop!(
			Models::retire_model(RuntimeOrigin::signed(1), model),
			Error::<Test>::ModelRetired
		);
		assert_noop!(
			Models::retire_model(RuntimeOrigin::signed(1), other),
			Error::<Test>::NotModelOwner
		);
	});
}

#[test]
fn an_owner_authorizes_and_revokes_one_worker_per_model() {
	ExtBuilder::build_and_execute(|| {
		let model = ready_model(1);
		assert_eq!(last_event(), Event::WorkerAuthorized { model, worker: worker_of(1) });
		assert_eq!(Workers::<Test>::get(worker_of(1)), Some(model));

		// A new key replaces the old one.
		assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(1), model, 77));
		assert!(events().contains(&Event::WorkerRevoked { model, worker: worker_of(1) }));
		assert_eq!(Workers::<Test>::get(77), Some(model));
		assert!(Workers::<Test>::get(worker_of(1)).is_none());

		assert_ok!(Models::revoke_worker(RuntimeOrigin::signed(1), model));
		assert_eq!(last_event(), Event::WorkerRevoked { model, worker: 77 });
		assert_noop!(
			Models::revoke_worker(RuntimeOrigin::signed(1), model),
			Error::<Test>::NoWorker
		);
	});
}

#[test]
fn worker_errors() {
	ExtBuilder::build_and_execute(|| {
		let model = ready_model(1);
		let other = ready_model(2);
		assert_noop!(
			Models::authorize_worker(RuntimeOrigin::signed(2), other, worker_of(1)),
			Error::<Test>::WorkerInUse
		);
		assert_noop!(
			Models::authorize_worker(RuntimeOrigin::signed(2), model, 55),
			Error::<Test>::NotModelOwner
		);
		assert_noop!(
			Models::revoke_worker(RuntimeOrigin::signed(2), model),
			Error::<Test>::NotModelOwner
		);
		assert_noop!(
			Models::authorize_worker(RuntimeOrigin::signed(1), 42, 55),
			Error::<Test>::UnknownModel
		);
	});
}

#[test]
fn a_worker_key_announces_its_peer_and_a_new_key_clears_it() {
	ExtBuilder::build_and_execute(|| {
		let model = ready_model(1);
		let addr = b"\x04\x7f\x00\x00\x01\x06\x76\x5f".to_vec();
		assert_ok!(Models::set_worker_peer(
			RuntimeOrigin::signed(worker_of(1)),
			vec![0, 36, 8, 1],
			vec![addr.clone()]
		));
		assert_eq!(last_event(), Event::WorkerPeerSet { model, worker: worker_of(1) });
		let peer = WorkerPeers::<Test>::get(model).unwrap();
		assert_eq!((peer.peer_id.to_vec(), peer.addrs[0].to_vec()), (vec![0, 36, 8, 1], addr));
		// Announcing again replaces it.
		assert_ok!(Models::set_worker_peer(RuntimeOrigin::signed(worker_of(1)), vec![5], vec![]));
		assert!(WorkerPeers::<Test>::get(model).unwrap().addrs.is_empty());

		// The old key's peer is no member's once the key is replaced; the
		// new key announces its own.
		assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(1), model, 77));
		assert!(WorkerPeers::<Test>::get(model).is_none());
		assert_noop!(
			Models::set_worker_peer(RuntimeOrigin::signed(worker_of(1)), vec![5], vec![]),
			Error::<Test>::NotWorker
		);
		assert_ok!(Models::set_worker_peer(RuntimeOrigin::signed(77), vec![6], vec![]));
		assert_ok!(Models::revoke_worker(RuntimeOrigin::signed(1), model));
		assert!(WorkerPeers::<Test>::get(model).is_none());
	});
}

#[test]
fn a_malformed_peer_announcement_is_refused_with_its_reason() {
	ExtBuilder::build_and_execute(|| {
		let model = ready_model(1);
		let set = |peer: Vec<u8>, addrs: Vec<Vec<u8>>| {
			Models::set_worker_peer(RuntimeOrigin::signed(worker_of(1)), peer, addrs)
		};
		assert_noop!(set(vec![], vec![]), Error::<Test>::EmptyPeerId);
		assert_noop!(
			set(vec![1; MAX_PEER_ID_LEN as usize + 1], vec![]),
			Error::<Test>::PeerIdTooLong
		);
		assert_noop!(
			set(vec![1], vec![vec![1]; MAX_PEER_ADDRS as usize + 1]),
			Error::<Test>::TooManyPeerAddrs
		);
		assert_noop!(set(vec![1], vec![vec![]]), Error::<Test>::BadPeerAddr);
		assert_noop!(
			set(vec![1], vec![vec![1; MAX_PEER_ADDR_LEN as usize + 1]]),
			Error::<Test>::BadPeerAddr
		);
		assert_noop!(
			Models::set_worker_peer(RuntimeOrigin::signed(99), vec![1], vec![]),
			Error::<Test>::NotWorker
		);
		assert!(WorkerPeers::<Test>::get(model).is_none());
	});
}
