//! The worker's JSON-RPC, typed: the worker serves [`WorkerApiServer`], the
//! client library calls it through the generated [`WorkerApiClient`], and
//! both name errors with the codes in [`code`].
//!
//! - `worker_submitInput(group, "0x<input bytes>")` -> `"0x<input hash>"`
//! - `worker_health()` -> [`Health`]
//! - `worker_info()` -> [`Info`]

use crate::{AgreementPolicy, Digest, GroupId, ModelId, VersionNumber};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};

/// Error codes of the worker's methods.
pub mod code {
	/// The input does not fit the group's input spec (size, NaN, not hex).
	pub const INVALID_INPUT: i32 = -32010;
	/// The worker serves another group.
	pub const WRONG_GROUP: i32 = -32011;
	/// The queue is full: try later or another member.
	pub const OVERLOADED: i32 = -32012;
	/// No model version is loaded yet.
	pub const NOT_READY: i32 = -32013;

	/// Whether an error with this code is about the input itself, so that
	/// another member would refuse it too.
	pub fn refuses_input(code: i32) -> bool {
		code == INVALID_INPUT || code == WRONG_GROUP
	}
}

/// Largest request body: a 3 x 512 x 512 f32 image in hex, with room.
pub const MAX_BODY: u32 = 16 * 1024 * 1024;

/// Input bytes as `0x`-hex in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputBytes(#[serde(with = "hex_bytes")] pub Vec<u8>);

/// An input hash as `0x`-hex in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputHash(#[serde(with = "dropbear_primitives::hex32")] pub Digest);

/// Whether a worker can serve, and how loaded it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
	/// The version serving now is loaded and its model answers.
	pub ready: bool,
	/// Connected libp2p peers.
	pub peers: usize,
	pub queued_inputs: u64,
	pub held_inputs: usize,
	/// Each loaded version with its model's last known health.
	pub versions: Vec<VersionHealth>,
}

/// One loaded version's model health.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionHealth {
	pub version: VersionNumber,
	/// `None` when its last batch or health check succeeded.
	pub error: Option<String>,
}

/// What a worker serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
	pub group: GroupId,
	pub model: ModelId,
	pub versions: Vec<VersionNumber>,
	/// The version serving the best block.
	pub current: VersionNumber,
	pub device: String,
	pub torch: String,
	/// The group's input spec, as `F32[1, 8, 8]`.
	pub input: String,
	pub policy: AgreementPolicy,
	pub classes: u32,
}

#[rpc(server, client, namespace = "worker")]
pub trait WorkerApi {
	/// Take an input for `group`: checked against the group's input spec,
	/// kept, gossiped to the other members, and run at once. Its hash is the
	/// id a client orders on chain.
	#[method(name = "submitInput")]
	async fn submit_input(&self, group: GroupId, input: InputBytes) -> RpcResult<InputHash>;

	/// Whether the worker can serve now.
	#[method(name = "health")]
	async fn health(&self) -> RpcResult<Health>;

	/// The group, model and versions it serves.
	#[method(name = "info")]
	fn info(&self) -> RpcResult<Info>;
}

mod hex_bytes {
	pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&format!("0x{}", hex::encode(bytes)))
	}

	pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
		let text: String = serde::Deserialize::deserialize(d)?;
		hex::decode(text.trim_start_matches("0x"))
			.map_err(|e| serde::de::Error::custom(format!("input is not hex: {e}")))
	}
}
