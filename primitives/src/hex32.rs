//! A 32-byte hash as `0x`-prefixed hex in JSON, as Substrate's own RPC writes
//! hashes (`#[serde(with = "dropbear_primitives::hex32")]`).

use crate::Digest;
use impl_serde::serialize::{deserialize_check_len, ExpectedLen};

pub fn serialize<S: serde::Serializer>(digest: &Digest, serializer: S) -> Result<S::Ok, S::Error> {
	impl_serde::serialize::serialize(digest, serializer)
}

pub fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Digest, D::Error> {
	let mut digest = [0u8; 32];
	deserialize_check_len(deserializer, ExpectedLen::Exact(&mut digest))?;
	Ok(digest)
}
