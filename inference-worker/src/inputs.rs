//! Inputs as the worker receives them: raw bytes for a group, checked
//! against the group's input spec and named by their blake2-256 hash (the
//! hash a client puts in its `request` extrinsic).

use dropbear_primitives::{Digest, InputSpec};
use std::{
	collections::{HashMap, VecDeque},
	sync::{Arc, Mutex},
};

/// Why an input is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
	#[error("input has {got} bytes; the group's input spec ({spec}) needs {want}")]
	WrongSize { got: usize, want: u64, spec: String },
	#[error("the group's input spec is invalid")]
	BadSpec,
	#[error("input contains a non-finite value at element {0} (NaN or infinity)")]
	NotFinite(usize),
}

/// The hash that names an input on chain.
pub fn input_hash(bytes: &[u8]) -> Digest {
	sp_crypto_hashing::blake2_256(bytes)
}

/// Check `bytes` against `spec`: exact size, and finite values for float
/// inputs (a NaN could make honest members disagree). Returns its hash.
pub fn check(spec: &InputSpec, bytes: &[u8]) -> Result<Digest, InputError> {
	let want = spec.byte_len().map_err(|_| InputError::BadSpec)?;
	if bytes.len() as u64 != want {
		return Err(InputError::WrongSize { got: bytes.len(), want, spec: describe(spec) });
	}
	if spec.dtype == dropbear_primitives::DType::F32 {
		for (i, chunk) in bytes.chunks_exact(4).enumerate() {
			let v = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
			if !v.is_finite() {
				return Err(InputError::NotFinite(i));
			}
		}
	}
	Ok(input_hash(bytes))
}

/// `F32[1, 8, 8]`.
pub fn describe(spec: &InputSpec) -> String {
	let dims: Vec<String> = spec.shape.iter().map(|d| d.to_string()).collect();
	format!("{:?}[{}]", spec.dtype, dims.join(", "))
}

/// Inputs this worker holds, by hash, the oldest dropped first past `capacity`.
#[derive(Clone)]
pub struct InputStore {
	inner: Arc<Mutex<StoreInner>>,
	capacity: usize,
}

struct StoreInner {
	by_hash: HashMap<Digest, Arc<Vec<u8>>>,
	order: VecDeque<Digest>,
}

impl InputStore {
	pub fn new(capacity: usize) -> Self {
		Self {
			inner: Arc::new(Mutex::new(StoreInner {
				by_hash: HashMap::new(),
				order: VecDeque::new(),
			})),
			capacity: capacity.max(1),
		}
	}

	/// Keep an input; `false` if it was already here.
	pub fn insert(&self, hash: Digest, bytes: Arc<Vec<u8>>) -> bool {
		let mut s = self.inner.lock().unwrap_or_else(|p| p.into_inner());
		if s.by_hash.contains_key(&hash) {
			return false;
		}
		s.by_hash.insert(hash, bytes);
		s.order.push_back(hash);
		while s.order.len() > self.capacity {
			if let Some(old) = s.order.pop_front() {
				s.by_hash.remove(&old);
			}
		}
		true
	}

	pub fn get(&self, hash: &Digest) -> Option<Arc<Vec<u8>>> {
		self.inner.lock().unwrap_or_else(|p| p.into_inner()).by_hash.get(hash).cloned()
	}

	pub fn len(&self) -> usize {
		self.inner.lock().unwrap_or_else(|p| p.into_inner()).by_hash.len()
	}

	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use dropbear_primitives::DType;

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

	#[test]
	fn the_store_forgets_the_oldest_input_past_its_capacity() {
		let store = InputStore::new(2);
		for i in 0..3u8 {
			assert!(store.insert([i; 32], Arc::new(vec![i])));
		}
		assert!(!store.insert([2; 32], Arc::new(vec![2])));
		assert_eq!(store.len(), 2);
		assert!(store.get(&[0; 32]).is_none());
		assert_eq!(store.get(&[2; 32]).as_deref(), Some(&vec![2u8]));
	}
}
