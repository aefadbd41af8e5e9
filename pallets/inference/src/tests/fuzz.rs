//! Fuzzing the calls of both pallets on the mock runtime: random sequences
//! of requests, commitments, reveals, bonds, version publications and group
//! changes, from random origins (clients, owners, their workers, strangers),
//! with random arguments and blocks passing in between. After every step
//! both pallets' invariants (`do_try_state`) must hold; a call may fail, but
//! only with an error, and a failed call changes nothing (checked through
//! the invariants and, at the end, the money ledger of `ExtBuilder`).
//!
//! Random bytes alone would rarely get past the first check of a vote, so
//! steps pick among the batches that exist, and most commitments are a
//! member's honest digest of outputs it may later reveal faithfully; the
//! rest are noise. The tally printed at the end says how deep the run went.
//!
//! CI runs a short campaign; `scripts/fuzz.sh` runs a long one
//! (`DROPBEAR_FUZZ_CASES`).

use super::*;
use crate::{Batches, NextBatchId};
use dropbear_primitives::WeightsFormat;
use proptest::prelude::*;
use std::{cell::RefCell, collections::BTreeMap};

/// Who signs: the clients, the owners (their workers sign votes), strangers.
const ORIGINS: [AccountId; 10] = [ALICE, BOB, PAUPER, 1, 2, 3, 4, 5, 77, 101];

#[derive(Clone, Debug)]
enum Step {
	Request {
		who: usize,
		group: u32,
		input: u8,
		max_fee: u64,
	},
	RequestBatch {
		who: usize,
		group: u32,
		inputs: Vec<u8>,
		max_fee: u64,
	},
	/// A commitment on one of the latest batches (`pick`): to outputs from
	/// `labels` of the batch's length (or `off` by one), or random bytes.
	Commit {
		who: usize,
		pick: u8,
		labels: Vec<u32>,
		off: bool,
		honest: bool,
		noise: u8,
	},
	/// A reveal of what was committed (`faithful`) or of other outputs.
	Reveal {
		who: usize,
		pick: u8,
		faithful: bool,
		version: u32,
		labels: Vec<u32>,
		salt_of: usize,
	},
	/// A whole vote on one batch: the `present` members commit to outputs
	/// from their `labels`, blocks pass until reveals open, and they reveal.
	Round {
		pick: u8,
		labels: Vec<Vec<u32>>,
		present: Vec<bool>,
	},
	Bond {
		who: usize,
		amount: u64,
	},
	Unbond {
		who: usize,
		amount: u64,
	},
	Publish {
		who: usize,
		model: u32,
		digest: u8,
	},
	Leave {
		who: usize,
		group: u32,
		model: u32,
	},
	Join {
		who: usize,
		group: u32,
		model: u32,
	},
	Advance {
		blocks: u64,
	},
}

impl Step {
	fn kind(&self) -> &'static str {
		match self {
			Step::Request { .. } => "request",
			Step::RequestBatch { .. } => "request_batch",
			Step::Commit { .. } => "commit",
			Step::Reveal { .. } => "reveal",
			Step::Round { .. } => "round",
			Step::Bond { .. } => "bond",
			Step::Unbond { .. } => "unbond",
			Step::Publish { .. } => "publish_version",
			Step::Leave { .. } => "leave_group",
			Step::Join { .. } => "join_group",
			Step::Advance { .. } => "blocks",
		}
	}
}

fn step() -> impl Strategy<Value = Step> {
	let who = 0..ORIGINS.len();
	// Mostly the members (owners 1..=4), sometimes anyone.
	let voter = prop_oneof![4 => 3usize..7, 1 => 0..ORIGINS.len()];
	let labels = proptest::collection::vec(0u32..4, 1..4);
	// Mostly group 0 (the only one) at a fee that covers its price.
	let group = prop_oneof![6 => Just(0u32), 1 => 1u32..3];
	let fee = prop_oneof![6 => Just(PRICE), 1 => 0u64..30];
	prop_oneof![
		2 => (who.clone(), group.clone(), 0u8..8, fee.clone())
			.prop_map(|(who, group, input, max_fee)| Step::Request { who, group, input, max_fee }),
		1 => (who.clone(), group, proptest::collection::vec(any::<u8>(), 0..10), fee)
			.prop_map(|(who, group, inputs, max_fee)| Step::RequestBatch { who, group, inputs, max_fee }),
		6 => (voter.clone(), any::<u8>(), labels.clone(), proptest::bool::weighted(0.1), proptest::bool::weighted(0.85), any::<u8>())
			.prop_map(|(who, pick, labels, off, honest, noise)| Step::Commit { who, pick, labels, off, honest, noise }),
		6 => (voter, any::<u8>(), proptest::bool::weighted(0.85), prop_oneof![6 => Just(1u32), 1 => 0u32..3], labels, 0..ORIGINS.len())
			.prop_map(|(who, pick, faithful, version, labels, salt_of)| Step::Reveal { who, pick, faithful, version, labels, salt_of }),
		3 => (any::<u8>(), proptest::collection::vec(proptest::collection::vec(0u32..3, 1..3), 4), proptest::collection::vec(proptest::bool::weighted(0.8), 4))
			.prop_map(|(pick, labels, present)| Step::Round { pick, labels, present }),
		1 => (who.clone(), 0u64..2_000).prop_map(|(who, amount)| Step::Bond { who, amount }),
		1 => (who.clone(), 0u64..2_000).prop_map(|(who, amount)| Step::Unbond { who, amount }),
		1 => (who.clone(), 0u32..6, any::<u8>()).prop_map(|(who, model, digest)| Step::Publish { who, model, digest }),
		1 => (who.clone(), 0u32..2, 0u32..6).prop_map(|(who, group, model)| Step::Leave { who, group, model }),
		1 => (who, 0u32..2, 0u32..6).prop_map(|(who, group, model)| Step::Join { who, group, model }),
		4 => (1u64..3).prop_map(|blocks| Step::Advance { blocks }),
	]
}

thread_local! {
	/// What each member committed to, by (owner, batch), for faithful reveals.
	static BALLOTS: RefCell<BTreeMap<(AccountId, u64), Vec<Output>>> = RefCell::default();
}

/// Mostly one of the batches taking votes, else one of the latest four
/// (or batch `pick % 4` when there are none).
fn batch_of(pick: u8) -> u64 {
	let open = Inference::pending_batches(0);
	if !open.is_empty() && pick % 5 != 0 {
		return open[usize::from(pick) % open.len()];
	}
	match NextBatchId::<Test>::get() {
		0 => u64::from(pick % 4),
		n => n - 1 - u64::from(pick) % n.min(4),
	}
}

/// Outputs from `labels`, as many as the batch has requests (`off`: one more).
fn outputs_for(batch: u64, labels: &[u32], off: bool) -> Vec<Output> {
	let len = Batches::<Test>::get(batch).map_or(1, |b| b.len as usize) + usize::from(off);
	(0..len).map(|i| Output::Label(labels[i % labels.len()])).collect()
}

/// The account an origin votes with: an owner's worker, anyone else itself.
fn voter(origin: AccountId) -> AccountId {
	if (1..=5).contains(&origin) {
		worker_of(origin)
	} else {
		origin
	}
}

/// Run one step: the call's result (errors are expected; their effect on
/// the invariants is checked by the caller).
fn run(step: &Step) -> Result<(), sp_runtime::DispatchError> {
	let signed = |i: usize| RuntimeOrigin::signed(ORIGINS[i]);
	let hash = |b: u8| [b; 32];
	let result: Result<(), sp_runtime::DispatchError> = match step.clone() {
		Step::Request { who, group, input, max_fee } => {
			Inference::request(signed(who), group, hash(input), max_fee)
				.map(|_| ())
				.map_err(|e| e.error)
		}
		Step::RequestBatch { who, group, inputs, max_fee } => Inference::request_batch(
			signed(who),
			group,
			inputs.into_iter().map(hash).collect(),
			max_fee,
		)
		.map(|_| ())
		.map_err(|e| e.error),
		Step::Commit { who, pick, labels, off, honest, noise } => {
			let (origin, batch) = (ORIGINS[who], batch_of(pick));
			let outputs = outputs_for(batch, &labels, off);
			let digest = if honest && (1..=5).contains(&origin) {
				crate::certificate::commitment(batch, origin as u32 - 1, 1, &outputs, &salt(origin))
			} else {
				[noise; 32]
			};
			let result = Inference::commit_for_requests(
				RuntimeOrigin::signed(voter(origin)),
				batch,
				requests_of(batch),
				digest,
			)
			.map(|_| ())
			.map_err(|e| e.error);
			if result.is_ok() && honest {
				BALLOTS.with(|b| {
					b.borrow_mut().entry((origin, batch)).or_insert(outputs);
				});
			}
			result
		}
		Step::Reveal { who, pick, faithful, version, labels, salt_of } => {
			let origin = ORIGINS[who];
			// Faithful: one of this member's own ballots.
			let ballots: Vec<(u64, Vec<Output>)> = BALLOTS.with(|b| {
				b.borrow()
					.iter()
					.filter(|((o, batch), _)| {
						*o == origin && Inference::pending_batches(0).contains(batch)
					})
					.map(|((_, batch), outputs)| (*batch, outputs.clone()))
					.collect()
			});
			let (batch, outputs, version, salt) = match ballots.len() {
				n if faithful && n > 0 => {
					let (batch, outputs) = ballots[usize::from(pick) % n].clone();
					(batch, outputs, 1, salt(origin))
				}
				_ => {
					let batch = batch_of(pick);
					(batch, outputs_for(batch, &labels, false), version, salt(ORIGINS[salt_of]))
				}
			};
			Inference::reveal(RuntimeOrigin::signed(voter(origin)), batch, version, outputs, salt)
				.map(|_| ())
				.map_err(|e| e.error)
		}
		Step::Round { pick, labels, present } => {
			let batch = batch_of(pick);
			let voters: Vec<(AccountId, Vec<Output>)> = (1..=4)
				.zip(labels.iter().zip(&present))
				.filter(|(_, (_, here))| **here)
				.map(|(owner, (l, _))| (owner, outputs_for(batch, l, false)))
				.collect();
			let mut result = Ok(());
			for (owner, outputs) in &voters {
				let digest = crate::certificate::commitment(
					batch,
					*owner as u32 - 1,
					1,
					outputs,
					&salt(*owner),
				);
				result = result.and(
					Inference::commit_for_requests(
						RuntimeOrigin::signed(worker_of(*owner)),
						batch,
						requests_of(batch),
						digest,
					)
					.map(|_| ())
					.map_err(|e| e.error),
				);
			}
			if let Some(info) = Batches::<Test>::get(batch) {
				if (info.committed as usize) < info.members.len() {
					run_to_block(System::block_number().max(info.commit_until + 1));
				}
			}
			for (owner, outputs) in voters {
				result = result.and(
					Inference::reveal(
						RuntimeOrigin::signed(worker_of(owner)),
						batch,
						1,
						outputs,
						salt(owner),
					)
					.map(|_| ())
					.map_err(|e| e.error),
				);
			}
			result
		}
		Step::Bond { who, amount } => Models::bond(signed(who), amount).map_err(Into::into),
		Step::Unbond { who, amount } => Models::unbond(signed(who), amount).map_err(Into::into),
		Step::Publish { who, model, digest } => {
			Models::publish_version(signed(who), model, hash(digest), WeightsFormat::TorchScript)
				.map_err(Into::into)
		}
		Step::Leave { who, group, model } => {
			Models::leave_group(signed(who), group, model).map_err(Into::into)
		}
		Step::Join { who, group, model } => {
			Models::join_group(signed(who), group, model).map_err(Into::into)
		}
		Step::Advance { blocks } => {
			run_to_block(System::block_number() + blocks);
			Ok(())
		}
	};
	result
}

#[test]
fn random_calls_from_random_origins_keep_every_invariant() {
	let cases =
		std::env::var("DROPBEAR_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
	let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
		cases,
		..ProptestConfig::default()
	});
	let steps = proptest::collection::vec(step(), 1..80);
	// Per kind of step and result: how many.
	let tally = RefCell::new(BTreeMap::<String, u32>::new());
	let outcomes = RefCell::new(BTreeMap::<String, u32>::new());
	runner
		.run(&steps, |steps| {
			BALLOTS.with(|b| b.borrow_mut().clear());
			ExtBuilder::default().build_and_execute(|| {
				for (i, s) in steps.iter().enumerate() {
					let result = match run(s) {
						Ok(()) => "ok".to_string(),
						Err(sp_runtime::DispatchError::Module(m)) => {
							m.message.unwrap_or("?").into()
						}
						Err(e) => format!("{e:?}"),
					};
					*tally.borrow_mut().entry(format!("{} {result}", s.kind())).or_default() += 1;
					if let Err(e) = Inference::do_try_state().and_then(|_| Models::do_try_state()) {
						panic!("after step {i} ({s:?}) of {steps:#?}: {e:?}");
					}
				}
				// Everything ordered is decided and settled in the end.
				run_to_block(System::block_number() + 12);
				Inference::do_try_state().unwrap();
				assert!((0..NextBatchId::<Test>::get())
					.filter_map(Batches::<Test>::get)
					.all(|b| b.closed && b.undecided == 0));
				let decided = events().into_iter().filter_map(|e| match e {
					Event::Decided { decisions, .. } => Some(decisions.into_inner()),
					_ => None,
				});
				for d in decided.flatten() {
					let name = format!("{:?}", d.outcome);
					let name = name.split('(').next().unwrap_or_default().to_string();
					*outcomes.borrow_mut().entry(name).or_default() += 1;
				}
			});
			Ok(())
		})
		.unwrap();
	println!(
		"fuzz: {cases} sequences, every invariant held; decisions: {:?}; steps: {:#?}",
		outcomes.borrow(),
		tally.borrow()
	);
}
