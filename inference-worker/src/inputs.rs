//! Inputs as the worker holds them, by hash. They are checked against the
//! group's input spec and named by their blake2-256 hash (the hash a client
//! puts in its `request` extrinsic) with `dropbear_primitives::input`, the
//! one definition the client and the tests use too.
//!
//! An input is a [`Bytes`]: the store, the model thread's queue and gossip
//! share one buffer, and an input sent in binary over the Open Inference
//! Protocol is a slice of the request body it arrived in, never copied out
//! of it (150 KB a member for an ImageNet image, and a large allocation).

pub use bytes::Bytes;
pub use dropbear_primitives::input::{check, describe, input_hash, validate, InputError};
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
	by_hash: HashMap<Digest, Bytes>,
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
	pub fn insert(&self, hash: Digest, bytes: Bytes) -> bool {
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

	/// Forget an input (taken but not run: rare, so the linear scan of the
	/// eviction order is fine).
	pub fn remove(&self, hash: &Digest) {
		let mut s = self.inner.lock().unwrap_or_else(|p| p.into_inner());
		if s.by_hash.remove(hash).is_some() {
			s.order.retain(|h| h != hash);
		}
	}

	pub fn get(&self, hash: &Digest) -> Option<Bytes> {
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

	#[test]
	fn the_store_forgets_the_oldest_input_past_its_capacity() {
		let store = InputStore::new(2);
		for i in 0..3u8 {
			assert!(store.insert([i; 32], Bytes::from(vec![i])));
		}
		assert!(!store.insert([2; 32], Bytes::from(vec![2])));
		assert_eq!(store.len(), 2);
		assert!(store.get(&[0; 32]).is_none());
		assert_eq!(store.get(&[2; 32]), Some(Bytes::from(vec![2u8])));
		// A removed input is taken afresh, and holds its own place.
		store.remove(&[2; 32]);
		assert_eq!(store.len(), 1);
		assert!(store.insert([2; 32], Bytes::from(vec![2])));
		assert!(store.insert([3; 32], Bytes::from(vec![3])));
		assert!(store.get(&[1; 32]).is_none(), "the oldest went first");
		assert_eq!(store.len(), 2);
	}
}
