//! Unit tests on the mock runtime, one file per topic. Each test runs through
//! `ExtBuilder::build_and_execute`, which checks the invariants of both
//! pallets and the money ledger afterwards.

#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)]

mod certificate;
mod equivocation;
mod money;
mod pruning;
mod requests;
mod votes;

use crate::{mock::*, BatchId, Event, Output};
use frame_support::{assert_ok, traits::fungible::InspectHold};

pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Inference(e) => Some(e),
			_ => None,
		})
		.collect()
}

pub fn hash(n: u8) -> [u8; 32] {
	[n; 32]
}

/// `client` requests `n` inputs of group 0 at the current block.
pub fn request_n(client: AccountId, n: u8) {
	for i in 0..n {
		assert_ok!(Inference::request(RuntimeOrigin::signed(client), 0, hash(i), PRICE));
	}
}

/// The worker of owner `o` votes `labels` on `batch` for version 1.
pub fn vote_labels(owner: AccountId, batch: BatchId, labels: &[u32]) {
	assert_ok!(Inference::vote(
		RuntimeOrigin::signed(worker_of(owner)),
		batch,
		1,
		labels.iter().map(|l| Output::Label(*l)).collect()
	));
}

pub fn fee_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&crate::HoldReason::Fee.into(), &who)
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}
