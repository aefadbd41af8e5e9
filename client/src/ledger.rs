//! The money ledger of the chain, as an auditor checks it: at a block,
//! every unit of the issuance is in some account (free or held), and between
//! two blocks the issuance falls by exactly the transaction fees (burned by
//! this runtime) and the slashes in between (of equivocation and of proven
//! lies: every slash pallet-models applies). The end-to-end
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

/// Transaction fees (burned by this runtime) and slashes (pallet-models'
/// `OwnerSlashed`: equivocation and proven lies) in blocks `from + 1 ..= to`.
pub async fn fees_and_slashes(
	chain: &Chain,
	from: BlockNumber,
	to: BlockNumber,
) -> Result<(u128, u128)> {
	use dropbear_api::runtime::{
		models::events::OwnerSlashed, transaction_payment::events::TransactionFeePaid,
	};
	let (mut fees, mut slashes) = (0u128, 0u128);
	for number in from + 1..=to {
		let events = chain.at_number(number).await?.events().fetch().await?;
		for paid in events.find::<TransactionFeePaid>() {
			fees += paid?.actual_fee;
		}
		for slashed in events.find::<OwnerSlashed>() {
			slashes += slashed?.amount;
		}
	}
	Ok((fees, slashes))
}

/// The ledger check: at the finalized head,
/// every unit of the issuance is in some account (free or held), and the
/// issuance fell from `start` by exactly the fees and slashes in between.
pub async fn check_ledger(chain: &Chain, start: Ledger) -> Result<Ledger> {
	let end = ledger_now(chain).await?;
	let end_number = end.block;
	if end.accounts != end.issuance {
		bail!(
			"at #{end_number} accounts hold {} but the issuance is {}",
			end.accounts,
			end.issuance
		);
	}
	let (fees, slashes) = fees_and_slashes(chain, start.block, end_number).await?;
	if start.issuance.checked_sub(fees + slashes) != Some(end.issuance) {
		bail!(
			"issuance went from {} (#{}) to {} (#{end_number}), but fees {fees} and slashes {slashes} account for {}",
			start.issuance,
			start.block,
			end.issuance,
			start.issuance.saturating_sub(fees + slashes)
		);
	}
	Ok(end)
}

/// The ledger at the finalized head: where an accounting starts.
pub async fn ledger_now(chain: &Chain) -> Result<Ledger> {
	let number = chain.at(None).await?.block_number() as BlockNumber;
	ledger_at(chain, number).await
}
