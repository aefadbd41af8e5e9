//! What members vote and how votes become an outcome.
//!
//! Every member turns its model's scores for a request into a canonical
//! [`Output`] under the group's [`AgreementPolicy`]; the chain compares outputs
//! for equality and [`decide`]s each request. Workers, the pallet and auditors
//! all use these functions, so "the same answer" means the same thing
//! everywhere.

use crate::{AgreementPolicy, Digest};
use alloc::vec::Vec;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Largest `k` of a `TopK` policy.
pub const MAX_TOP_K: u32 = 16;

/// One member's canonical answer to one request.
#[derive(
	Clone,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Output {
	/// `Top1`: the highest-scoring class.
	Label(u32),
	/// `TopK(k)`: the `k` highest-scoring classes, in ascending class order.
	Labels(BoundedVec<u32, ConstU32<MAX_TOP_K>>),
	/// `Exact`: blake2-256 of the output tensor's little-endian bytes.
	Digest(#[cfg_attr(feature = "serde", serde(with = "crate::hex32"))] Digest),
	/// Under every policy: the member could not get the request's input
	/// bytes (from the client or any other member) in time. Equal to no
	/// class, so it never joins a class's count; `q` of them decide the
	/// request as input-unavailable.
	Unavailable,
}

/// Why an output does not fit a group's policy.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OutputError {
	/// The output's kind is not the policy's (a label for an `Exact` group...).
	WrongKind,
	/// A label is not below the task's number of classes.
	LabelOutOfRange,
	/// `TopK` labels are not exactly `k` distinct labels in ascending order.
	NotCanonical,
}

impl AgreementPolicy {
	/// Check that `output` is a canonical output of this policy for a task
	/// with `classes` classes.
	pub fn check(&self, output: &Output, classes: u32) -> Result<(), OutputError> {
		match (self, output) {
			(_, Output::Unavailable) => Ok(()),
			(AgreementPolicy::Top1, Output::Label(l)) => {
				if *l < classes {
					Ok(())
				} else {
					Err(OutputError::LabelOutOfRange)
				}
			}
			(AgreementPolicy::TopK(k), Output::Labels(labels)) => {
				if labels.len() != usize::from(*k) {
					return Err(OutputError::NotCanonical);
				}
				if labels.iter().any(|l| *l >= classes) {
					return Err(OutputError::LabelOutOfRange);
				}
				if !labels.windows(2).all(|w| matches!(w, [a, b] if a < b)) {
					return Err(OutputError::NotCanonical);
				}
				Ok(())
			}
			(AgreementPolicy::Exact, Output::Digest(_)) => Ok(()),
			_ => Err(OutputError::WrongKind),
		}
	}

	/// The canonical output of one request's class scores under this policy.
	/// NaN scores rank below every number; ties go to the lower class index,
	/// so every member computes the same output from the same scores.
	/// `None` when there are fewer scores than the policy needs.
	pub fn output_of_scores(&self, scores: &[f32]) -> Option<Output> {
		match self {
			AgreementPolicy::Top1 => ranked(scores).first().map(|c| Output::Label(*c)),
			AgreementPolicy::TopK(k) => {
				let k = usize::from(*k);
				let mut top: Vec<u32> = ranked(scores).into_iter().take(k).collect();
				if top.len() < k {
					return None;
				}
				top.sort_unstable();
				top.try_into().ok().map(Output::Labels)
			}
			AgreementPolicy::Exact => {
				let bytes: Vec<u8> = scores.iter().flat_map(|s| s.to_le_bytes()).collect();
				Some(Output::Digest(sp_crypto_hashing::blake2_256(&bytes)))
			}
		}
	}
}

/// Class indices from highest to lowest score: every NaN below every number
/// (-inf included), -0.0 equal to +0.0, ties by lower index.
fn ranked(scores: &[f32]) -> Vec<u32> {
	// (is a number, value with -0.0 folded into +0.0); NaN compares as lowest.
	let key = |i: u32| {
		let s = scores.get(i as usize).copied().unwrap_or(f32::NAN);
		if s.is_nan() {
			(false, 0.0)
		} else {
			(true, s + 0.0)
		}
	};
	let mut idx: Vec<u32> = (0..scores.len()).filter_map(|i| u32::try_from(i).ok()).collect();
	idx.sort_by(|a, b| {
		let (na, sa) = key(*a);
		let (nb, sb) = key(*b);
		nb.cmp(&na).then(sb.total_cmp(&sa)).then(a.cmp(b))
	});
	idx
}

/// The outcome of one request given the members' votes so far.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Verdict {
	/// At least `quorum` members gave this output; `agreed` are their
	/// positions in the member list.
	Certified { output: Output, agreed: Vec<u32> },
	/// No output can reach `quorum` any more, whatever the missing members vote.
	NoAgreement,
	/// Still open: some output can reach `quorum` with the missing votes.
	Pending,
}

/// Decide one request from the members' outputs (`None`: not voted yet).
///
/// With `quorum` more than half of the members (the registry guarantees it),
/// at most one output can be certified. Work: O(members^2) comparisons, with
/// members at most a few dozen.
pub fn decide(votes: &[Option<&Output>], quorum: u32) -> Verdict {
	// A quorum of zero certifies nothing; the registry never allows one.
	if quorum == 0 {
		return Verdict::NoAgreement;
	}
	let quorum = quorum as usize;
	let missing = votes.iter().filter(|v| v.is_none()).count();
	let mut best = 0usize;
	for (i, vote) in votes.iter().enumerate() {
		let Some(output) = vote else { continue };
		// Count each distinct output once, at its first occurrence.
		if votes.iter().take(i).any(|earlier| earlier.as_ref() == Some(output)) {
			continue;
		}
		let agreed: Vec<u32> = votes
			.iter()
			.enumerate()
			.filter(|(_, v)| v.as_ref() == Some(output))
			.filter_map(|(j, _)| u32::try_from(j).ok())
			.collect();
		if agreed.len() >= quorum {
			return Verdict::Certified { output: (*output).clone(), agreed };
		}
		best = best.max(agreed.len());
	}
	if best.saturating_add(missing) < quorum {
		Verdict::NoAgreement
	} else {
		Verdict::Pending
	}
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
	use super::*;
	use proptest::prelude::*;

	fn labels(v: &[u32]) -> Output {
		Output::Labels(v.to_vec().try_into().unwrap())
	}

	#[test]
	fn canonical_outputs_from_scores() {
		let scores = [0.1, 0.7, f32::NAN, 0.7, -3.0];
		assert_eq!(AgreementPolicy::Top1.output_of_scores(&scores), Some(Output::Label(1)));
		assert_eq!(AgreementPolicy::TopK(3).output_of_scores(&scores), Some(labels(&[0, 1, 3])));
		assert_eq!(AgreementPolicy::TopK(6).output_of_scores(&scores), None);
		assert_eq!(AgreementPolicy::Top1.output_of_scores(&[]), None);
		let Some(Output::Digest(d)) = AgreementPolicy::Exact.output_of_scores(&[1.0, 2.0]) else {
			panic!("exact gives a digest")
		};
		let bytes: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|s| s.to_le_bytes()).collect();
		assert_eq!(d, sp_crypto_hashing::blake2_256(&bytes));
	}

	#[test]
	fn nan_ranks_below_minus_infinity_and_signed_zeros_tie() {
		assert_eq!(
			AgreementPolicy::Top1.output_of_scores(&[f32::NAN, f32::NEG_INFINITY]),
			Some(Output::Label(1))
		);
		assert_eq!(AgreementPolicy::Top1.output_of_scores(&[-0.0, 0.0]), Some(Output::Label(0)));
		assert_eq!(
			AgreementPolicy::Top1.output_of_scores(&[f32::NAN, f32::NAN]),
			Some(Output::Label(0))
		);
		assert_eq!(decide(&[Some(&Output::Label(1))], 0), Verdict::NoAgreement);
	}

	#[test]
	fn outputs_are_checked_against_the_policy() {
		assert_eq!(AgreementPolicy::Top1.check(&Output::Label(9), 10), Ok(()));
		assert_eq!(
			AgreementPolicy::Top1.check(&Output::Label(10), 10),
			Err(OutputError::LabelOutOfRange)
		);
		assert_eq!(AgreementPolicy::TopK(2).check(&labels(&[2, 5]), 10), Ok(()));
		assert_eq!(
			AgreementPolicy::TopK(2).check(&labels(&[5, 2]), 10),
			Err(OutputError::NotCanonical)
		);
		assert_eq!(
			AgreementPolicy::TopK(2).check(&labels(&[2, 2]), 10),
			Err(OutputError::NotCanonical)
		);
		assert_eq!(
			AgreementPolicy::TopK(3).check(&labels(&[2, 5]), 10),
			Err(OutputError::NotCanonical)
		);
		assert_eq!(
			AgreementPolicy::TopK(2).check(&labels(&[2, 15]), 10),
			Err(OutputError::LabelOutOfRange)
		);
		assert_eq!(
			AgreementPolicy::Exact.check(&Output::Label(1), 10),
			Err(OutputError::WrongKind)
		);
		assert_eq!(
			AgreementPolicy::Top1.check(&Output::Digest([0; 32]), 10),
			Err(OutputError::WrongKind)
		);
	}

	#[test]
	fn one_liar_of_four_cannot_stop_or_change_a_certificate() {
		let honest = Output::Label(7);
		let liar = Output::Label(1);
		let votes = [Some(&honest), Some(&liar), Some(&honest), None];
		assert_eq!(decide(&votes, 3), Verdict::Pending);
		let votes = [Some(&honest), Some(&liar), Some(&honest), Some(&honest)];
		assert_eq!(
			decide(&votes, 3),
			Verdict::Certified { output: honest.clone(), agreed: vec![0, 2, 3] }
		);
	}

	#[test]
	fn two_colluding_liars_of_four_get_no_agreement() {
		let honest = Output::Label(7);
		let lie = Output::Label(1);
		let votes = [Some(&honest), Some(&lie), Some(&honest), Some(&lie)];
		assert_eq!(decide(&votes, 3), Verdict::NoAgreement);
		// Decided as soon as no output can reach the quorum.
		let votes = [Some(&honest), Some(&lie), None, Some(&lie)];
		assert_eq!(decide(&votes, 3), Verdict::Pending);
		let other = Output::Label(4);
		let votes = [Some(&honest), Some(&lie), Some(&other), None];
		assert_eq!(decide(&votes, 3), Verdict::NoAgreement);
	}

	proptest! {
		#[test]
		fn decisions_are_sound(
			members in 1usize..10,
			raw in proptest::collection::vec(proptest::option::of(0u32..3), 10),
			quorum_offset in 0usize..5,
		) {
			// The registry's rule: members/2 < quorum <= members.
			let quorum = (members / 2 + 1 + quorum_offset).min(members) as u32;
			let outputs: Vec<Option<Output>> = raw[..members].iter().map(|v| v.map(Output::Label)).collect();
			let votes: Vec<Option<&Output>> = outputs.iter().map(|o| o.as_ref()).collect();
			match decide(&votes, quorum) {
				Verdict::Certified { output, agreed } => {
					prop_assert!(agreed.len() >= quorum as usize);
					for i in &agreed {
						prop_assert_eq!(votes[*i as usize], Some(&output));
					}
					// Every member that gave this output is listed, and no other
					// output has a quorum.
					let count = votes.iter().filter(|v| **v == Some(&output)).count();
					prop_assert_eq!(count, agreed.len());
					for other in votes.iter().flatten() {
						if **other != output {
							let c = votes.iter().filter(|v| **v == Some(*other)).count();
							prop_assert!(c < quorum as usize);
						}
					}
				},
				Verdict::NoAgreement => {
					let missing = votes.iter().filter(|v| v.is_none()).count();
					for o in votes.iter().flatten() {
						let c = votes.iter().filter(|v| **v == Some(*o)).count();
						prop_assert!(c + missing < quorum as usize);
					}
				},
				Verdict::Pending => {
					prop_assert!(votes.iter().any(|v| v.is_none()), "a full set of votes is always decided");
				},
			}
			// Adding votes never turns a decided request back into pending, and a
			// certified output stays certified.
			let decided = decide(&votes, quorum);
			let filled: Vec<Option<Output>> =
				outputs.iter().map(|o| o.clone().or(Some(Output::Label(0)))).collect();
			let filled_votes: Vec<Option<&Output>> = filled.iter().map(|o| o.as_ref()).collect();
			let after = decide(&filled_votes, quorum);
			prop_assert!(after != Verdict::Pending);
			if let Verdict::Certified { output, .. } = &decided {
				let kept = matches!(after, Verdict::Certified { output: ref o, .. } if o == output);
				prop_assert!(kept, "a certified output changed when more votes came in");
			}
			if decided == Verdict::NoAgreement {
				prop_assert_eq!(after, Verdict::NoAgreement);
			}
		}
	}
}
