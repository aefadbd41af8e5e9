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
mod fuzz;
mod integrity;
mod lies;
mod migration;
mod money;
mod pruning;
mod requests;
mod votes;

use crate::{mock::*, BatchId, Digest, Event, Output};
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

/// The salt owner `o`'s worker commits with.
pub fn salt(owner: AccountId) -> [u8; 32] {
	[owner as u8 + 200; 32]
}

pub fn labels(labels: &[u32]) -> Vec<Output> {
	labels.iter().map(|l| Output::Label(*l)).collect()
}

/// The requests digest a commitment for `batch` names: the one the pallet
/// keeps while the batch is open (the digest of no requests for a batch that
/// is not open, whose commitments are refused anyway).
pub fn requests_of(batch: BatchId) -> Digest {
	crate::RequestsDigests::<Test>::get(batch).unwrap_or(crate::certificate::NO_REQUESTS)
}

/// Owner `o`'s worker commits to `outputs` for `batch` (model `o - 1`, version 1).
pub fn commit_outputs(owner: AccountId, batch: BatchId, outputs: &[Output]) {
	let digest = crate::certificate::commitment(batch, owner as u32 - 1, 1, outputs, &salt(owner));
	assert_ok!(Inference::commit_for_requests(
		RuntimeOrigin::signed(worker_of(owner)),
		batch,
		requests_of(batch),
		digest
	));
}

/// Owner `o`'s worker reveals `outputs` for `batch`, committed with [`commit_outputs`].
pub fn reveal_outputs(owner: AccountId, batch: BatchId, outputs: &[Output]) {
	assert_ok!(Inference::reveal(
		RuntimeOrigin::signed(worker_of(owner)),
		batch,
		1,
		outputs.to_vec(),
		salt(owner)
	));
}

pub fn commit_labels(owner: AccountId, batch: BatchId, l: &[u32]) {
	commit_outputs(owner, batch, &labels(l));
}

pub fn reveal_labels(owner: AccountId, batch: BatchId, l: &[u32]) {
	reveal_outputs(owner, batch, &labels(l));
}

/// Every listed member commits in this block, then the chain moves past the
/// commit window unless every member of the batch committed.
pub fn commit_all(batch: BatchId, votes: &[(AccountId, &[u32])]) {
	for (owner, l) in votes {
		commit_labels(*owner, batch, l);
	}
	let info = crate::Batches::<Test>::get(batch).unwrap();
	if (info.committed as usize) < info.members.len() {
		run_to_block(info.commit_until + 1);
	}
}

/// [`commit_all`], then every listed member reveals, in order.
pub fn vote_all(batch: BatchId, votes: &[(AccountId, &[u32])]) {
	commit_all(batch, votes);
	for (owner, l) in votes {
		reveal_labels(*owner, batch, l);
	}
}

pub fn fee_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&crate::HoldReason::Fee.into(), &who)
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}
