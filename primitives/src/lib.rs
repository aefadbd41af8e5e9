//! Types every part of Dropbear speaks: the runtime's pallets, the worker and
//! the client library. No FRAME here, so that off-chain code can use them
//! without pulling in a runtime.
//!
//! - [`Task`]: what a model does (image classification with N classes, ...).
//! - [`InputSpec`]: the tensor a model takes (element type and shape), which
//!   fixes how many bytes an input has.
//! - [`AgreementPolicy`]: how members' outputs are compared (top-1 label,
//!   sorted top-k labels, or an exact digest of the output tensor), and
//!   [`decide`], which turns members' outputs into a certificate or a
//!   no-agreement outcome.
//! - [`inference`]: requests, batches, decisions, member records and
//!   certificates as `pallet-inference` stores them and off-chain code reads
//!   them, with [`assemble`] (a certificate from storage) and [`storage_keys`]
//!   (what a certificate proof proves).
//! - [`input`]: the input hash and the check of input bytes against a spec.
//! - [`answer`]: the answer a member's worker signs for a client before any
//!   request is ordered.
//! - [`registry`]: the [`ModelRegistry`] trait through which
//!   `pallet-inference` uses `pallet-models`.
//! - `rpc` (feature `rpc`): the JSON shapes of the node's `inference_*` methods.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod agreement;
pub mod answer;
#[cfg(feature = "serde")]
pub mod hex32;
pub mod inference;
pub mod input;
pub mod registry;
#[cfg(feature = "rpc")]
pub mod rpc;

pub use agreement::{decide, Output, OutputError, Verdict, MAX_TOP_K};
pub use answer::{Answer, ANSWER_CONTEXT};
pub use inference::{
	assemble, bit, commitment, mask_members, requests_digest, storage_keys, BatchId, BatchInfo,
	BatchMember, BatchView, Certificate, Decision, MemberRecord, MemberVersion, Outcome,
	RequestEntry, RequestId, Unbounded,
};
pub use input::{input_hash, InputError};
pub use registry::{GroupTerms, ModelRegistry, ServingMember};

use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Identifies a model in `pallet-models`.
pub type ModelId = u32;
/// Identifies a model group.
pub type GroupId = u32;
/// A model's version number; the first version is 1.
pub type VersionNumber = u32;
/// A blake2-256 digest.
pub type Digest = [u8; 32];

/// Most dimensions an input tensor may have (batch dimension excluded).
pub const MAX_DIMS: u32 = 4;
/// Most elements one input may have: a 3 x 512 x 512 image fits, with room.
pub const MAX_INPUT_ELEMENTS: u64 = 4 * 1024 * 1024;

/// What a model computes.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Task {
	/// One score per class; the answer is a class index below `classes`.
	ImageClassification { classes: u32 },
}

impl Task {
	/// Number of output classes.
	pub fn classes(&self) -> u32 {
		match self {
			Task::ImageClassification { classes } => *classes,
		}
	}
}

/// Element type of an input tensor.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DType {
	/// Unsigned bytes (raw pixels).
	U8,
	/// 32-bit little-endian floats.
	F32,
}

impl DType {
	/// Bytes per element.
	pub fn size(&self) -> u64 {
		match self {
			DType::U8 => 1,
			DType::F32 => 4,
		}
	}
}

/// The tensor a model takes for one request (without the batch dimension).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InputSpec {
	pub dtype: DType,
	pub shape: BoundedVec<u32, ConstU32<MAX_DIMS>>,
}

/// Why an input spec is unusable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InputSpecError {
	/// No dimensions at all.
	NoDimensions,
	/// A dimension of size zero.
	ZeroDimension,
	/// More than [`MAX_INPUT_ELEMENTS`] elements.
	TooLarge,
}

impl InputSpec {
	/// Number of elements of one input, if the spec is usable.
	pub fn elements(&self) -> Result<u64, InputSpecError> {
		if self.shape.is_empty() {
			return Err(InputSpecError::NoDimensions);
		}
		let mut n: u64 = 1;
		for d in self.shape.iter() {
			if *d == 0 {
				return Err(InputSpecError::ZeroDimension);
			}
			n = n.checked_mul(u64::from(*d)).ok_or(InputSpecError::TooLarge)?;
			if n > MAX_INPUT_ELEMENTS {
				return Err(InputSpecError::TooLarge);
			}
		}
		Ok(n)
	}

	/// Bytes of one input, if the spec is usable.
	pub fn byte_len(&self) -> Result<u64, InputSpecError> {
		// At most MAX_INPUT_ELEMENTS * 4: no overflow.
		self.elements().map(|n| n.saturating_mul(self.dtype.size()))
	}
}

/// Format of a model's weights file.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum WeightsFormat {
	/// A TorchScript archive, loaded with libtorch.
	TorchScript,
}

/// How members' outputs for one request are compared.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AgreementPolicy {
	/// Members agree when their highest-scoring class is the same.
	Top1,
	/// Members agree when their `k` highest-scoring classes, sorted by class
	/// index, are the same set.
	TopK(u8),
	/// Members agree when the blake2-256 digests of their output tensors are
	/// equal: replicas of one deterministic model.
	Exact,
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used)]
	use super::*;

	fn spec(dtype: DType, shape: &[u32]) -> InputSpec {
		InputSpec { dtype, shape: shape.to_vec().try_into().unwrap() }
	}

	#[test]
	fn input_sizes_follow_dtype_and_shape() {
		assert_eq!(spec(DType::F32, &[1, 8, 8]).byte_len(), Ok(256));
		assert_eq!(spec(DType::U8, &[3, 224, 224]).byte_len(), Ok(150_528));
	}

	#[test]
	fn unusable_specs_are_refused() {
		assert_eq!(spec(DType::U8, &[]).elements(), Err(InputSpecError::NoDimensions));
		assert_eq!(spec(DType::U8, &[3, 0]).elements(), Err(InputSpecError::ZeroDimension));
		assert_eq!(
			spec(DType::F32, &[u32::MAX, u32::MAX, u32::MAX]).elements(),
			Err(InputSpecError::TooLarge)
		);
	}
}
