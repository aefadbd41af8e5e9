//! The worker's JSON-RPC server: `dropbear_api::worker_rpc::WorkerApi`, the
//! typed trait the client library calls, with its shared error codes.

use crate::{
	core::{AcceptError, Core},
	inputs::describe,
};
use dropbear_api::{
	worker_rpc::{
		code, Health, Info, InputBytes, InputHash, VersionHealth, WorkerApiServer, MAX_BODY,
	},
	GroupId, ModelId,
};
use jsonrpsee::{
	core::{async_trait, RpcResult},
	server::{Server, ServerHandle},
	types::ErrorObjectOwned,
};
use std::{net::SocketAddr, sync::Arc};

/// Facts for `worker_info` that the core does not hold.
#[derive(Clone)]
pub struct Facts {
	pub model: ModelId,
	pub device: String,
	pub torch: String,
}

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

struct Worker {
	core: Arc<Core>,
	facts: Facts,
}

#[async_trait]
impl WorkerApiServer for Worker {
	async fn submit_input(&self, group: GroupId, input: InputBytes) -> RpcResult<InputHash> {
		self.core.metrics.received("client", input.0.len());
		match self.core.accept(group, input.0, false) {
			Ok(hash) => Ok(InputHash(hash)),
			Err(e @ AcceptError::Invalid(_)) => Err(error(code::INVALID_INPUT, e.to_string())),
			Err(e @ AcceptError::WrongGroup { .. }) => Err(error(code::WRONG_GROUP, e.to_string())),
			Err(e @ AcceptError::Overloaded(_)) => Err(error(code::OVERLOADED, e.to_string())),
			Err(e @ AcceptError::NotReady) => Err(error(code::NOT_READY, e.to_string())),
		}
	}

	async fn health(&self) -> RpcResult<Health> {
		let core = &self.core;
		let peers = match core.p2p() {
			Some(p) => p.peers().await,
			None => 0,
		};
		let versions: Vec<VersionHealth> = core
			.health()
			.into_iter()
			.map(|(version, h)| VersionHealth { version, error: h.err().map(|e| e.to_string()) })
			.collect();
		let current = core.current();
		let ready = versions.iter().any(|v| v.version == current && v.error.is_none());
		Ok(Health {
			ready,
			peers,
			queued_inputs: core.metrics.queue_depth.get(),
			held_inputs: core.store.len(),
			versions,
		})
	}

	fn info(&self) -> RpcResult<Info> {
		let core = &self.core;
		Ok(Info {
			group: core.terms.group,
			model: self.facts.model,
			versions: core.versions(),
			current: core.current(),
			device: self.facts.device.clone(),
			torch: self.facts.torch.clone(),
			input: describe(&core.terms.input),
			policy: core.terms.policy,
			classes: core.terms.classes,
		})
	}
}

/// Serve the worker's methods on `addr`.
pub async fn start(
	addr: SocketAddr,
	core: Arc<Core>,
	facts: Facts,
) -> anyhow::Result<(SocketAddr, ServerHandle)> {
	let server = Server::builder().max_request_body_size(MAX_BODY).build(addr).await?;
	let local = server.local_addr()?;
	Ok((local, server.start(Worker { core, facts }.into_rpc())))
}
