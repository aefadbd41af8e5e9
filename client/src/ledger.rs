//! The money ledger of the chain, as an auditor checks it: at a block,
//! every unit of the issuance is in some account (free or held), and between
//! two blocks the issuance falls by exactly the transaction fees (burned by
//! this runtime) and the slashes in between (of equivocation and of proven
//! lies: every slash pallet-models applies) and the dust of reaped accounts
//! (`Balances::DustLost`, burned by this runtime), and moves by what is
//! minted and burned (`Balances::Minted` / `Burned`: the contracts pallet's
//! existential deposit of each contract account it creates or destroys, the
//! planck it mints or burns when an amount crosses into or out of sub-planck
//! dust, and `Balances::burn` by any account). Root's `force_set_balance` and
//! `force_adjust_total_issuance` are outside it: a check across them fails.
//! The end-to-end
//! tests end with it; `dropbear ledger` runs it against a live network (the
//! soak does, after half an hour of load). Reading the start block's state
//! needs a node that keeps it (an archive node for old blocks).

use anyhow::{bail, Result};
use dropbear_api::{BlockNumber, Chain};

/// The money on chain at one block: total issuance, and the sum over every
/// account of its free and reserved (held) balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Ledger {
	pub block: BlockNumber,
	pub issuance: u128,
	pub accounts: u128,
}

/// The ledger at block `number` (its state must still be kept by the node).
pub async fn ledger_at(chain: &Chain, number: BlockNumber) -> Result<Ledger> {
	let at = Some(chain.at_number(number).await?.block_hash());
	let issuance = chain.total_issuance(at).await?;
	let balances = chain.balances(at).await?;
	let accounts = balances.into_iter().map(|(_, (free, held))| free + held).sum::<u128>();
	Ok(Ledger { block: number, issuance, accounts })
}

/// What moved the issuance in blocks `from + 1 ..= to`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct IssuanceMoves {
	/// Transaction fees (`TransactionPayment::TransactionFeePaid`), burned by
	/// this runtime.
	pub fees: u128,
	/// Slashes (pallet-models' `OwnerSlashed`: equivocation and proven lies).
	pub slashes: u128,
	/// Minted into accounts (`Balances::Minted`): contract accounts'
	/// existential deposits and dust turned into plancks.
	pub minted: u128,
	/// Burned from accounts (`Balances::Burned`): destroyed contracts'
	/// existential deposits, plancks turned into dust, `Balances::burn`.
	pub burned: u128,
	/// Left behind by accounts reaped below the existential deposit
	/// (`Balances::DustLost`), burned by this runtime.
	pub dust_lost: u128,
}

impl IssuanceMoves {
	/// The issuance these moves leave from `start`, if it does not underflow.
	pub fn apply(&self, start: u128) -> Option<u128> {
		start
			.checked_add(self.minted)?
			.checked_sub(self.fees)?
			.checked_sub(self.slashes)?
			.checked_sub(self.burned)?
			.checked_sub(self.dust_lost)
	}
}

/// The fees, slashes, mints, burns and lost dust in blocks `from + 1 ..= to`.
pub async fn issuance_moves(
	chain: &Chain,
	from: BlockNumber,
	to: BlockNumber,
) -> Result<IssuanceMoves> {
	use dropbear_api::runtime::{
		balances::events::{Burned, DustLost, Minted},
		models::events::OwnerSlashed,
		transaction_payment::events::TransactionFeePaid,
	};
	let mut moves = IssuanceMoves::default();
	for number in from + 1..=to {
		let events = chain.at_number(number).await?.events().fetch().await?;
		for paid in events.find::<TransactionFeePaid>() {
			moves.fees += paid?.actual_fee;
		}
		for slashed in events.find::<OwnerSlashed>() {
			moves.slashes += slashed?.amount;
		}
		for minted in events.find::<Minted>() {
			moves.minted += minted?.amount;
		}
		for burned in events.find::<Burned>() {
			moves.burned += burned?.amount;
		}
		for lost in events.find::<DustLost>() {
			moves.dust_lost += lost?.amount;
		}
	}
	Ok(moves)
}

/// The ledger check: at the finalized head, every unit of the issuance is in
/// some account (free or held, contract accounts included), and the issuance
/// moved from `start` by exactly the fees, slashes, mints, burns and lost
/// dust in between.
pub async fn check_ledger(chain: &Chain, start: Ledger) -> Result<Ledger> {
	Ok(check_ledger_moves(chain, start).await?.0)
}

/// [`check_ledger`], with the moves it accounted for.
pub async fn check_ledger_moves(chain: &Chain, start: Ledger) -> Result<(Ledger, IssuanceMoves)> {
	let end = ledger_now(chain).await?;
	let end_number = end.block;
	if end.accounts != end.issuance {
		bail!(
			"at #{end_number} accounts hold {} but the issuance is {}",
			end.accounts,
			end.issuance
		);
	}
	let moves = issuance_moves(chain, start.block, end_number).await?;
	if moves.apply(start.issuance) != Some(end.issuance) {
		bail!(
			"issuance went from {} (#{}) to {} (#{end_number}), but {moves:?} account for {:?}",
			start.issuance,
			start.block,
			end.issuance,
			moves.apply(start.issuance)
		);
	}
	Ok((end, moves))
}

/// The ledger at the finalized head: where an accounting starts.
pub async fn ledger_now(chain: &Chain) -> Result<Ledger> {
	let number = chain.at(None).await?.block_number() as BlockNumber;
	ledger_at(chain, number).await
}
