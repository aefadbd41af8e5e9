//! Signed answers: what a member's worker says its model answered for an
//! input, before any request for the input is ordered.
//!
//! A worker signs each [`Answer`] it gives a client with its worker key (the
//! sr25519 key that votes for its model). The answer names its chain by the
//! genesis hash, so that it proves nothing on another chain that happens to
//! share keys and ids. A client holding equal answers for
//! one input from `q` different members of a group holds a quorum receipt in
//! milliseconds, long before a certificate. The signature binds the member:
//! a member that signs one output and votes another on a request for the
//! same input, with the same version, has provably lied, and anyone may
//! hand the pair to the chain (`pallet-inference`'s `report_lie`) to have its
//! owner slashed.
//!
//! The signature covers [`Answer::payload`]: [`ANSWER_CONTEXT`] followed by
//! the SCALE encoding of the answer. The context keeps an answer apart from
//! anything else a worker key signs (a transaction's payload starts with its
//! call's pallet index).

use crate::{Digest, GroupId, ModelId, Output, VersionNumber};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// What every signed answer's payload starts with.
pub const ANSWER_CONTEXT: [u8; 16] = *b"dropbear:answer2";

/// One member's answer for one input.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Answer {
	/// The chain's genesis hash.
	#[cfg_attr(feature = "serde", serde(with = "crate::hex32"))]
	pub genesis_hash: Digest,
	pub group: GroupId,
	/// The input's hash, the id a client orders on chain.
	#[cfg_attr(feature = "serde", serde(with = "crate::hex32"))]
	pub input_hash: Digest,
	pub model: ModelId,
	/// The version whose weights computed the output.
	pub version: VersionNumber,
	/// The canonical output under the group's policy: what the member votes.
	pub output: Output,
}

impl Answer {
	/// The bytes a worker signs.
	pub fn payload(&self) -> Vec<u8> {
		let mut payload = ANSWER_CONTEXT.to_vec();
		self.encode_to(&mut payload);
		payload
	}
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
	use super::*;

	#[test]
	fn the_payload_is_the_context_then_the_answer() {
		let answer = Answer {
			genesis_hash: [9; 32],
			group: 1,
			input_hash: [7; 32],
			model: 2,
			version: 3,
			output: Output::Label(4),
		};
		let payload = answer.payload();
		assert_eq!(payload[..16], ANSWER_CONTEXT);
		assert_eq!(Answer::decode(&mut &payload[16..]).unwrap(), answer);
	}
}
