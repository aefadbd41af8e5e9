//! Storage read out of a proof, with no node at hand.
//!
//! An offline verifier (a quorum receipt's group, checked against a trusted
//! checkpoint) holds trie nodes and a state root, not a connection. It still
//! names storage through the generated addresses (`runtime::storage()`), so a
//! renamed or retyped item breaks its build like any other caller's: this
//! module turns an address and its keys into the raw storage key, and raw
//! bytes back into the address's value type, using the metadata the code was
//! generated from (compiled in, so nothing is fetched).

use crate::subxt::{
	ext::{frame_decode, scale_decode::DecodeAsType},
	storage::Address,
	Metadata,
};
use std::sync::OnceLock;

/// Why a key could not be made or a value read.
#[derive(Debug, thiserror::Error)]
pub enum ProvenError {
	#[error("{pallet}::{entry} is not in the metadata: {reason}")]
	UnknownItem { pallet: String, entry: String, reason: String },
	#[error("the key of {pallet}::{entry}: {reason}")]
	Key { pallet: String, entry: String, reason: String },
	#[error("the value of {pallet}::{entry} does not decode: {reason}")]
	Value { pallet: String, entry: String, reason: String },
}

/// The metadata the generated code was made from, decoded once.
pub fn metadata() -> &'static Metadata {
	static METADATA: OnceLock<Metadata> = OnceLock::new();
	METADATA.get_or_init(|| {
		// The build fails if the file is not metadata (the macro decodes it
		// first), so this cannot fail at run time.
		Metadata::decode_from(crate::METADATA)
			.unwrap_or_else(|e| unreachable!("compiled-in metadata does not decode: {e}"))
	})
}

fn info<A: Address>(
	address: &A,
) -> Result<frame_decode::storage::StorageInfo<'static, u32>, ProvenError> {
	use frame_decode::storage::StorageTypeInfo;
	metadata().storage_info(address.pallet_name(), address.entry_name()).map_err(|e| {
		ProvenError::UnknownItem {
			pallet: address.pallet_name().into(),
			entry: address.entry_name().into(),
			reason: e.to_string(),
		}
	})
}

/// The raw storage key of `address` at `keys`, as the runtime hashes it.
pub fn storage_key<A: Address>(address: &A, keys: A::KeyParts) -> Result<Vec<u8>, ProvenError> {
	let info = info(address)?;
	frame_decode::storage::encode_storage_key_with_info(
		address.pallet_name(),
		address.entry_name(),
		keys,
		&info,
		metadata().types(),
	)
	.map_err(|e| ProvenError::Key {
		pallet: address.pallet_name().into(),
		entry: address.entry_name().into(),
		reason: e.to_string(),
	})
}

/// `bytes`, a value stored at `address`, as the address's type; every byte
/// must be used.
pub fn decode_value<A: Address>(address: &A, bytes: &[u8]) -> Result<A::Value, ProvenError> {
	let info = info(address)?;
	let fail = |reason: String| ProvenError::Value {
		pallet: address.pallet_name().into(),
		entry: address.entry_name().into(),
		reason,
	};
	let cursor = &mut &bytes[..];
	let value = A::Value::decode_as_type(cursor, info.value_id, metadata().types())
		.map_err(|e| fail(e.to_string()))?;
	if !cursor.is_empty() {
		return Err(fail(format!("{} bytes left over", cursor.len())));
	}
	Ok(value)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::runtime;

	/// A registry map keyed by `Twox64Concat`: the key is the pallet's and
	/// item's twox-128 prefixes, then the id's twox-64 hash and the id.
	#[test]
	fn a_group_key_is_the_runtime_key() {
		let key = storage_key(&runtime::storage().models().groups(), (7u32,)).unwrap();
		let mut expected = sp_crypto_hashing::twox_128(b"Models").to_vec();
		expected.extend(sp_crypto_hashing::twox_128(b"Groups"));
		expected.extend(sp_crypto_hashing::twox_64(&7u32.to_le_bytes()));
		expected.extend(7u32.to_le_bytes());
		assert_eq!(key, expected);
	}

	#[test]
	fn a_value_with_bytes_left_over_is_refused() {
		let address = runtime::storage().models().next_group_id();
		assert_eq!(decode_value(&address, &5u32.to_le_bytes()).unwrap(), 5);
		let err = decode_value(&address, &[5, 0, 0, 0, 1]).unwrap_err();
		assert!(err.to_string().contains("1 bytes left over"), "{err}");
	}
}
