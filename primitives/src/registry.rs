//! What `pallet-inference` reads from and asks of the model registry
//! (`pallet-models` implements it). The trait lives here, below both
//! pallets, so that the inference pallet depends on the registry's promises,
//! never on its crate or storage layout.

use crate::{AgreementPolicy, Digest, GroupId, InputSpec, ModelId, VersionNumber};
use alloc::vec::Vec;
use sp_arithmetic::Perbill;

/// A group's terms, as a request sees them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GroupTerms<Balance> {
	pub policy: AgreementPolicy,
	pub quorum: u32,
	pub price: Balance,
	pub max_batch: u32,
	/// Classes of the group's task: labels in votes must be below it.
	pub classes: u32,
	pub input: InputSpec,
	/// Whether the group takes requests now.
	pub active: bool,
	pub members: u32,
}

/// A member with the version of its model that serves a given block.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServingMember<AccountId> {
	pub model: ModelId,
	pub owner: AccountId,
	pub version: VersionNumber,
	pub digest: Digest,
}

/// The registry as other pallets use it.
pub trait ModelRegistry<AccountId, Balance, BlockNumber> {
	/// A group's terms, if it exists.
	fn group_terms(group: GroupId) -> Option<GroupTerms<Balance>>;

	/// The group's current members with the model versions active at block
	/// `at`, which must be now or later (a pending version counts from its
	/// activation block; past versions are not looked up). Callers that need
	/// the answer for a past block record it when that block is current. Empty
	/// for an unknown group.
	fn serving_members(group: GroupId, at: BlockNumber) -> Vec<ServingMember<AccountId>>;

	/// The model a worker key votes for now (a revoked or replaced key
	/// votes for none).
	fn model_of_worker(worker: &AccountId) -> Option<ModelId>;

	/// Whether `model` is suspended from `group`: its owner's bonded stake
	/// is below the group's minimum member bond (after a slash). A suspended
	/// member's votes do not count and it earns nothing until its owner
	/// bonds again. `true` for a model that is not a member now (it left or
	/// was removed): it counts on none of the group's open batches either.
	fn is_suspended(group: GroupId, model: ModelId) -> bool;

	/// Slash `fraction` of an owner's bond (bonded and unbonding stake) to the
	/// configured destination; returns the amount slashed.
	fn slash_owner(owner: &AccountId, fraction: Perbill) -> Balance;

	/// Benchmarks only: a fresh active group of `members` models of distinct,
	/// funded owners, with the given quorum, policy, price and maximum batch;
	/// returns the group and each member's worker key, in member order.
	#[cfg(feature = "runtime-benchmarks")]
	fn bench_group(
		members: u32,
		quorum: u32,
		policy: AgreementPolicy,
		price: Balance,
		max_batch: u32,
	) -> (GroupId, Vec<AccountId>);
}
