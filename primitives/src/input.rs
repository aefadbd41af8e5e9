//! Inputs as workers take them: raw bytes for a group, checked against the
//! group's input spec and named on chain by their blake2-256 hash (the hash a
//! client puts in its `request` extrinsic). The worker, the client and the
//! tests all hash and check inputs with these two functions.

use crate::{DType, Digest, InputSpec};
use alloc::{format, string::String, vec::Vec};

/// The hash that names an input on chain.
pub fn input_hash(bytes: &[u8]) -> Digest {
	sp_crypto_hashing::blake2_256(bytes)
}

/// Why an input is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
	/// Not the number of bytes the spec fixes.
	WrongSize { got: usize, want: u64, spec: String },
	/// The group's input spec itself is unusable.
	BadSpec,
	/// A float input holds NaN or an infinity at this element.
	NotFinite(usize),
}

impl core::fmt::Display for InputError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			InputError::WrongSize { got, want, spec } => {
				write!(f, "input has {got} bytes; the group's input spec ({spec}) needs {want}")
			}
			InputError::BadSpec => write!(f, "the group's input spec is invalid"),
			InputError::NotFinite(i) => {
				write!(f, "input contains a non-finite value at element {i} (NaN or infinity)")
			}
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for InputError {}

/// Check `bytes` against `spec`: exact size, and finite values for float
/// inputs (a NaN could make honest members disagree). Returns its hash.
pub fn check(spec: &InputSpec, bytes: &[u8]) -> Result<Digest, InputError> {
	validate(spec, bytes)?;
	Ok(input_hash(bytes))
}

/// [`check`] without the hash, for a caller that hashes inputs its own way
/// (several at once).
pub fn validate(spec: &InputSpec, bytes: &[u8]) -> Result<(), InputError> {
	let want = spec.byte_len().map_err(|_| InputError::BadSpec)?;
	if bytes.len() as u64 != want {
		return Err(InputError::WrongSize { got: bytes.len(), want, spec: describe(spec) });
	}
	if spec.dtype == DType::F32 {
		for (i, chunk) in bytes.chunks_exact(4).enumerate() {
			let finite =
				<[u8; 4]>::try_from(chunk).is_ok_and(|b| f32::from_le_bytes(b).is_finite());
			if !finite {
				return Err(InputError::NotFinite(i));
			}
		}
	}
	Ok(())
}

/// `F32[1, 8, 8]`.
pub fn describe(spec: &InputSpec) -> String {
	let dims: Vec<String> = spec.shape.iter().map(|d| format!("{d}")).collect();
	format!("{:?}[{}]", spec.dtype, dims.join(", "))
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
	use super::*;
	use alloc::{string::ToString, vec};

	fn digits() -> InputSpec {
		InputSpec { dtype: DType::F32, shape: vec![1, 8, 8].try_into().unwrap() }
	}

	#[test]
	fn inputs_of_the_wrong_size_or_with_nan_are_refused() {
		let good = vec![0u8; 256];
		assert_eq!(check(&digits(), &good), Ok(input_hash(&good)));
		let err = check(&digits(), &[0u8; 255]).unwrap_err();
		assert_eq!(
			err.to_string(),
			"input has 255 bytes; the group's input spec (F32[1, 8, 8]) needs 256"
		);
		let mut nan = good.clone();
		nan[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
		assert_eq!(check(&digits(), &nan), Err(InputError::NotFinite(2)));
		let bytes_spec = InputSpec { dtype: DType::U8, shape: vec![3, 2].try_into().unwrap() };
		assert!(check(&bytes_spec, &[255u8; 6]).is_ok());
	}
}
