//! Inputs as the worker holds them, by hash. They are checked against the
//! group's input spec and named by their blake2-256 hash (the hash a client
//! puts in its `request` extrinsic) with `dropbear_primitives::input`, the
//! one definition the client and the tests use too.

pub use dropbear_primitives::input::{check, describe, input_hash, InputError};
use dropbear_primitives::Digest;
use std::{
	collections::{HashMap, VecDeque},
	sync::{Arc, Mutex},
};

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
