//! The worker's JSON-RPC: clients submit input bytes here; operators ask for
//! health and what the worker serves.
//!
//! - `worker_submitInput(group, "0x<hex bytes>")` -> `"0x<input hash>"`
//! - `worker_health()` -> `{ ready, peers, queued_inputs, versions }`
//! - `worker_info()` -> `{ group, model, versions, current, device, torch, spec, policy }`

use crate::core::{AcceptError, Core};
use jsonrpsee::{
	server::{Server, ServerHandle},
	types::ErrorObjectOwned,
	RpcModule,
};
use serde_json::{json, Value};
use std::{net::SocketAddr, sync::Arc};

/// Error codes of `worker_submitInput`.
pub const INVALID_INPUT: i32 = -32010;
pub const WRONG_GROUP: i32 = -32011;
pub const OVERLOADED: i32 = -32012;
pub const NOT_READY: i32 = -32013;

/// Largest request body: a 3 x 512 x 512 f32 image in hex, with room.
pub const MAX_BODY: u32 = 16 * 1024 * 1024;

/// Facts for `worker_info`.
#[derive(Clone)]
pub struct Info {
	pub model: u32,
	pub device: String,
	pub torch: String,
}

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

pub async fn start(
	addr: SocketAddr,
	core: Arc<Core>,
	info: Info,
) -> anyhow::Result<(SocketAddr, ServerHandle)> {
	let mut module = RpcModule::new((core, info));
	module.register_async_method("worker_submitInput", |params, ctx, _| async move {
		let (group, input): (u32, String) = params.parse()?;
		let bytes = hex::decode(input.trim_start_matches("0x"))
			.map_err(|e| error(INVALID_INPUT, format!("input is not hex: {e}")))?;
		let (core, _) = &*ctx;
		match core.accept(group, bytes, false) {
			Ok(hash) => Ok::<String, ErrorObjectOwned>(format!("0x{}", hex::encode(hash))),
			Err(e @ AcceptError::Invalid(_)) => Err(error(INVALID_INPUT, e.to_string())),
			Err(e @ AcceptError::WrongGroup { .. }) => Err(error(WRONG_GROUP, e.to_string())),
			Err(e @ AcceptError::Overloaded(_)) => Err(error(OVERLOADED, e.to_string())),
			Err(e @ AcceptError::NotReady) => Err(error(NOT_READY, e.to_string())),
		}
	})?;
	module.register_async_method("worker_health", |_, ctx, _| async move {
		let (core, _) = &*ctx;
		let peers = match core.p2p() {
			Some(p) => p.peers().await,
			None => 0,
		};
		Ok::<Value, ErrorObjectOwned>(json!({
			"ready": core.has_version(core.current()),
			"peers": peers,
			"queued_inputs": core.metrics.queue_depth.get(),
			"held_inputs": core.store.len(),
			"versions": core.versions(),
		}))
	})?;
	module.register_method("worker_info", |_, ctx, _| {
		let (core, info) = ctx;
		Ok::<Value, ErrorObjectOwned>(json!({
			"group": core.terms.group,
			"model": info.model,
			"versions": core.versions(),
			"current": core.current(),
			"device": info.device,
			"torch": info.torch,
			"input": crate::inputs::describe(&core.terms.input),
			"policy": format!("{:?}", core.terms.policy),
			"classes": core.terms.classes,
		}))
	})?;
	let server = Server::builder().max_request_body_size(MAX_BODY).build(addr).await?;
	let local = server.local_addr()?;
	Ok((local, server.start(module)))
}
