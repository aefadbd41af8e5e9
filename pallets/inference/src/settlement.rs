//! Fees: who pays what when a batch closes.
//!
//! A certified request's fee is split equally among the owners of the members
//! that agreed; `price mod agreed` goes back to the client. An
//! input-unavailable request's fee is split the same way among the members
//! that reported it. Other requests (no agreement, expired) are refunded in
//! full. Amounts are summed per client and per owner
//! first, so a settlement costs one hold transfer and one release per client
//! and one transfer per owner.

use crate::*;
use alloc::collections::btree_map::BTreeMap;
use frame_support::traits::tokens::{Fortitude, Precision, Preservation, Restriction};
use fungible::Mutate;

/// What one settlement moves.
pub(crate) struct Split<AccountId, Balance> {
	/// Per client: paid to owners (through the pot) and released back.
	pub clients: BTreeMap<AccountId, (Balance, Balance)>,
	/// Per owner: earned.
	pub owners: BTreeMap<AccountId, Balance>,
}

/// Split the fees of newly decided requests. `price` is each request's fee;
/// `members` the batch's member owners by position.
pub(crate) fn split<
	AccountId: Ord + Clone,
	Balance: sp_runtime::traits::AtLeast32BitUnsigned + Copy,
>(
	price: Balance,
	owners_by_position: &[AccountId],
	decided: impl Iterator<Item = (AccountId, Option<u32>)>,
) -> Split<AccountId, Balance> {
	let mut out: Split<AccountId, Balance> =
		Split { clients: BTreeMap::new(), owners: BTreeMap::new() };
	for (client, agreed_mask) in decided {
		let agreed: Vec<&AccountId> = agreed_mask
			.map(|mask| {
				mask_members(mask).filter_map(|p| owners_by_position.get(p as usize)).collect()
			})
			.unwrap_or_default();
		let entry = out.clients.entry(client).or_insert((Zero::zero(), Zero::zero()));
		let share = Balance::from(agreed.len() as u32);
		match price.checked_div(&share) {
			Some(each) if !agreed.is_empty() => {
				// `each * agreed <= price`, so neither sum can overflow the price total.
				let paid = each.saturating_mul(share);
				entry.0 = entry.0.saturating_add(paid);
				entry.1 = entry.1.saturating_add(price.saturating_sub(paid));
				for owner in agreed {
					let earned = out.owners.entry(owner.clone()).or_insert(Zero::zero());
					*earned = earned.saturating_add(each);
				}
			}
			_ => entry.1 = entry.1.saturating_add(price),
		}
	}
	out
}

impl<T: Config> Pallet<T> {
	/// Move the fees of a closing batch's decided requests.
	pub(crate) fn settle(
		batch_id: BatchId,
		batch: &BatchOf<T>,
		requests: &RequestsOf<T>,
		newly: &[Decision<BlockNumberFor<T>>],
	) -> DispatchResult {
		if batch.price.is_zero() {
			return Ok(());
		}
		let owners: Vec<T::AccountId> = batch.members.iter().map(|m| m.owner.clone()).collect();
		let decided = newly.iter().filter_map(|d| {
			let client = requests.get(d.index as usize)?.client.clone();
			// Input-unavailable requests pay the members that reported them:
			// withholding an input costs the client, not the members.
			let agreed = matches!(d.outcome, Outcome::Certified(_) | Outcome::InputUnavailable)
				.then_some(d.agreed);
			Some((client, agreed))
		});
		let split = split::<T::AccountId, BalanceOf<T>>(batch.price, &owners, decided);
		let reason: T::RuntimeHoldReason = HoldReason::Fee.into();
		let pot = Self::pot();
		for (client, (paid, released)) in split.clients {
			if !paid.is_zero() {
				T::Currency::transfer_on_hold(
					&reason,
					&client,
					&pot,
					paid,
					Precision::Exact,
					Restriction::Free,
					Fortitude::Polite,
				)
				.map_err(|_| Error::<T>::FeeTransferFailed)?;
			}
			if !released.is_zero() {
				T::Currency::release(&reason, &client, released, Precision::Exact)
					.map_err(|_| Error::<T>::FeeTransferFailed)?;
				Self::deposit_event(Event::FeesReleased {
					batch: batch_id,
					client,
					amount: released,
				});
			}
		}
		for (owner, amount) in split.owners {
			if amount.is_zero() {
				continue;
			}
			T::Currency::transfer(&pot, &owner, amount, Preservation::Preserve)
				.map_err(|_| Error::<T>::FeeTransferFailed)?;
			Self::deposit_event(Event::FeesPaid { batch: batch_id, owner, amount });
		}
		Ok(())
	}
}
