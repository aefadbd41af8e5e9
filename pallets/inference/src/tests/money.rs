//! Fees: split among the owners that agreed with the dust back to the client,
//! refunds of uncertified requests, and conservation of money.

use super::*;
use crate::settlement::split;
use proptest::prelude::*;

#[test]
fn a_certified_fee_is_split_among_agreeing_owners_with_the_dust_refunded() {
	// Price 10 among 3 agreeing owners: 3 each, 1 back to the client.
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 1);
		run_to_block(2);
		let owner_free = |o| free(o);
		let before: Vec<_> = [1, 2, 3, 4].iter().map(|o| owner_free(*o)).collect();
		vote_all(0, &[(1, &[4]), (2, &[4]), (3, &[4])]);
		assert_eq!(fee_held(ALICE), PRICE, "the fee stays held until the batch closes");
		run_to_block(6);
		let after: Vec<_> = [1, 2, 3, 4].iter().map(|o| owner_free(*o)).collect();
		let earned: Vec<_> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
		assert_eq!(earned, vec![3, 3, 3, 0]);
		assert_eq!(fee_held(ALICE), 0);
		assert_eq!(free(ALICE), START_FREE - 9, "paid 9, the 1 of dust came back");
		assert!(events().contains(&Event::FeesReleased { batch: 0, client: ALICE, amount: 1 }));
		assert!(events().contains(&Event::FeesPaid { batch: 0, owner: 2, amount: 3 }));
	});
}

#[test]
fn four_agreeing_owners_share_a_fee_that_divides_evenly() {
	ExtBuilder::default().price(12).build_and_execute(|| {
		assert_ok!(Inference::request(RuntimeOrigin::signed(ALICE), 0, hash(1), 12));
		run_to_block(2);
		// Three agree; the fourth never votes.
		vote_all(0, &[(1, &[2]), (2, &[2]), (3, &[2])]);
		run_to_block(6);
		assert_eq!(free(ALICE), START_FREE - 12);
		assert_eq!(free(1), START_FREE - START_BOND + 4);
	});
}

#[test]
fn uncertified_and_expired_requests_are_refunded_in_full() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 2);
		request_n(BOB, 1);
		run_to_block(2);
		vote_all(0, &[(1, &[1, 1, 1]), (2, &[2, 1, 2]), (3, &[3, 2, 3])]);
		// Request 0 and 2: no agreement; request 1 pending (1,1,2 + one missing).
		assert_eq!(fee_held(ALICE), 2 * PRICE, "held until the batch closes");
		run_to_block(6);
		assert_eq!(fee_held(BOB), 0);
		assert_eq!(free(BOB), START_FREE);
		assert_eq!(fee_held(ALICE), 0);
		assert_eq!(free(ALICE), START_FREE, "every fee came back");
	});
}

#[test]
fn a_zero_price_group_moves_no_money() {
	ExtBuilder::default().price(0).build_and_execute(|| {
		assert_ok!(Inference::request(RuntimeOrigin::signed(PAUPER), 0, hash(1), 0));
		run_to_block(2);
		vote_all(0, &[(1, &[2]), (2, &[2]), (3, &[2])]);
		assert_eq!(free(PAUPER), 0);
		assert!(matches!(
			Inference::certificate(0).unwrap().outcome,
			crate::Outcome::Certified(Output::Label(2))
		));
	});
}

proptest! {
	/// Whatever is decided, clients pay plus get back exactly their fees, and
	/// owners earn exactly what clients paid; each agreeing owner gets
	/// `price / agreed` per request.
	#[test]
	fn splitting_fees_conserves_every_unit(
		price in 0u64..10_000,
		decided in proptest::collection::vec((0u64..4, proptest::option::of(0u32..32)), 0..40),
	) {
		let owners = [10u64, 11, 12, 13, 14];
		let requests: Vec<(u64, Option<u32>)> = decided;
		let s = split::<u64, u64>(price, &owners, requests.iter().cloned());
		let fees = price * requests.len() as u64;
		let paid: u64 = s.clients.values().map(|(p, _)| p).sum();
		let back: u64 = s.clients.values().map(|(_, r)| r).sum();
		let earned: u64 = s.owners.values().sum();
		prop_assert_eq!(paid + back, fees);
		prop_assert_eq!(paid, earned);
		let mut expected: std::collections::BTreeMap<u64, u64> = Default::default();
		for (_, mask) in &requests {
			let agreed: Vec<u64> = mask
				.map(|m| crate::mask_members(m).filter_map(|p| owners.get(p as usize).copied()).collect())
				.unwrap_or_default();
			if !agreed.is_empty() {
				for o in &agreed {
					*expected.entry(*o).or_default() += price / agreed.len() as u64;
				}
			}
		}
		expected.retain(|_, v| *v > 0);
		let mut got = s.owners.clone();
		got.retain(|_, v| *v > 0);
		prop_assert_eq!(got, expected);
	}
}

/// Random vote patterns through the pallet: money is conserved (checked by
/// the builder), at most one output per request is ever certified, and every
/// certified output has at least a quorum of equal votes.
#[test]
fn random_votes_keep_the_ledger_and_the_quorum() {
	let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
		cases: 64,
		..ProptestConfig::default()
	});
	let strategy = (
		1u8..5,
		proptest::collection::vec(proptest::collection::vec(0u32..3, 4), 4),
		proptest::collection::vec(any::<bool>(), 4),
	);
	runner
		.run(&strategy, |(n, votes, present)| {
			ExtBuilder::default().build_and_execute(|| {
				request_n(ALICE, n);
				request_n(BOB, 1);
				run_to_block(2);
				let batch_len = (n + 1).min(MAX_BATCH as u8) as usize;
				let voting: Vec<(AccountId, &[u32])> = (1..=4)
					.zip(votes.iter().zip(&present))
					.filter(|(_, (_, here))| **here)
					.map(|(owner, (labels, _))| (owner, &labels[..batch_len]))
					.collect();
				vote_all(0, &voting);
				run_to_block(8);
				let view = Inference::batch_view(0).unwrap();
				for d in &view.decisions {
					if let crate::Outcome::Certified(o) = &d.outcome {
						let equal = view
							.votes
							.iter()
							.filter(|v| v.as_ref().and_then(|v| v.get(d.index as usize)) == Some(o))
							.count();
						assert!(equal >= 3, "certified with {equal} equal votes");
					}
				}
			});
			Ok(())
		})
		.unwrap();
}
