//! Unit tests on the mock runtime, one file per topic. Each test runs through
//! `ExtBuilder::build_and_execute`, which checks the invariants afterwards.

#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

mod groups;
mod integrity;
mod models;
mod owners;
mod registry;

use crate::{mock::*, AgreementPolicy, Event, GroupId, ModelId};
use frame_support::assert_ok;

pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Models(e) => Some(e),
			_ => None,
		})
		.collect()
}

pub fn last_event() -> Event<Test> {
	events().pop().expect("an event")
}

pub fn digest(n: u8) -> [u8; 32] {
	[n; 32]
}

/// Owner `o` registers a digits model and authorizes its worker `100 + o`.
pub fn ready_model(owner: u64) -> ModelId {
	let model = crate::NextModelId::<Test>::get();
	assert_ok!(Models::register_model(
		RuntimeOrigin::signed(owner),
		b"digits".to_vec().try_into().unwrap(),
		digits_task(),
		digits_input(),
		digest(owner as u8),
		crate::WeightsFormat::TorchScript,
	));
	assert_ok!(Models::authorize_worker(RuntimeOrigin::signed(owner), model, worker_of(owner)));
	model
}

/// Root creates a Top1 digits group with quorum `q`, price 10, batch 32,
/// minimum member bond 100.
pub fn digits_group(q: u32) -> GroupId {
	let group = crate::NextGroupId::<Test>::get();
	assert_ok!(Models::create_group(
		RuntimeOrigin::root(),
		digits_task(),
		digits_input(),
		AgreementPolicy::Top1,
		q,
		10,
		32,
		100,
	));
	group
}
