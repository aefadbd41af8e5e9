//! The Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`,
//! `proto/inference.proto`): ServerLive, ServerReady, ModelReady,
//! ServerMetadata, ModelMetadata and ModelInfer, as Triton serves them, so
//! that `tritonclient.grpc` and KServe's gRPC client call a worker unchanged.
//!
//! It serves what the HTTP server in [`crate::oip`] serves, from the same
//! [`Server`]: the same checks of a tensor against the group's input spec,
//! the same answers (scores, label, input hash, signed answer) and the same
//! errors, as gRPC status codes (`INVALID_ARGUMENT` for a request that does
//! not fit, `NOT_FOUND`, `RESOURCE_EXHAUSTED`, `UNAVAILABLE`). Input data
//! comes in `raw_input_contents` (what Triton's clients send) or typed in
//! `contents`; outputs always go back in `raw_output_contents`.

use crate::{
	core::Core,
	inputs::Bytes,
	oip::{self, OipError, ServedModel, Server, StopHandle, MAX_BODY, OUTPUTS},
};
use dropbear_primitives::DType;
use std::{collections::HashMap, net::SocketAddr, sync::Arc};
use tonic::{Request, Response, Status};

/// The generated messages and service (`proto/inference.proto`).
#[allow(clippy::all, missing_docs)]
pub mod proto {
	tonic::include_proto!("inference");
}

use proto::{
	grpc_inference_service_server::{GrpcInferenceService, GrpcInferenceServiceServer},
	infer_parameter::ParameterChoice,
	model_infer_response::InferOutputTensor,
	model_metadata_response::TensorMetadata,
	InferParameter, ModelInferRequest, ModelInferResponse, ModelMetadataRequest,
	ModelMetadataResponse, ModelReadyRequest, ModelReadyResponse, ServerLiveRequest,
	ServerLiveResponse, ServerMetadataRequest, ServerMetadataResponse, ServerReadyRequest,
	ServerReadyResponse,
};

impl From<OipError> for Status {
	fn from(e: OipError) -> Self {
		match e {
			OipError::BadRequest(m) => Status::invalid_argument(m),
			OipError::NotFound(m) => Status::not_found(m),
			OipError::TooLarge(m) => Status::resource_exhausted(m),
			OipError::Unavailable(m) => Status::unavailable(m),
			OipError::Internal(m) => Status::internal(m),
		}
	}
}

struct Service(Arc<Server>);

fn bad(message: String) -> Status {
	Status::invalid_argument(message)
}

/// The input's bytes from a request: its raw contents, or its typed ones.
/// Raw contents arrive as slices of the message's buffer; [`oip::split`]
/// keeps one large input that way and copies the rest.
fn input_bytes(server: &Server, request: &mut ModelInferRequest) -> Result<Vec<Bytes>, Status> {
	let spec = &server.core.terms.input;
	let [input] = &request.inputs[..] else {
		return Err(oip::one_input(request.inputs.len()).into());
	};
	// The buffer raw contents are slices of holds the whole message; typed
	// contents are decoded into a buffer of their own (sized below).
	let message = prost::Message::encoded_len(&*request);
	let (n, total) = oip::check_tensor(spec, &input.name, &input.datatype, &input.shape)?;
	let bytes = match (&mut request.raw_input_contents[..], &input.contents) {
		([raw], None) => {
			if raw.len() != total {
				return Err(bad(format!(
					"raw_input_contents holds {} bytes; shape {:?} of {} is {total} bytes",
					raw.len(),
					input.shape,
					input.datatype
				)));
			}
			std::mem::take(raw)
		}
		([], Some(contents)) => {
			let elements = total / spec.dtype.size() as usize;
			match spec.dtype {
				DType::U8 => {
					let values = &contents.uint_contents;
					if values.len() != elements {
						return Err(bad(format!(
							"uint_contents holds {} values; the shape needs {elements}",
							values.len()
						)));
					}
					let bytes = values
						.iter()
						.map(|v| u8::try_from(*v).map_err(|_| bad(format!("UINT8 data holds {v}"))))
						.collect::<Result<Vec<u8>, Status>>()?;
					Bytes::from(bytes)
				}
				DType::F32 => {
					let values = &contents.fp32_contents;
					if values.len() != elements {
						return Err(bad(format!(
							"fp32_contents holds {} values; the shape needs {elements}",
							values.len()
						)));
					}
					Bytes::from_iter(values.iter().flat_map(|v| v.to_le_bytes()))
				}
			}
		}
		([], None) => {
			return Err(bad("input 'input' has no data (contents or raw_input_contents)".into()))
		}
		(raw, _) => {
			return Err(bad(format!(
				"{} raw_input_contents for one input (with contents: {})",
				raw.len(),
				input.contents.is_some()
			)))
		}
	};
	let buffer = if request.raw_input_contents.is_empty() { bytes.len() } else { message };
	Ok(oip::split(bytes, n, buffer))
}

fn tensor_metadata(tensors: Vec<oip::TensorMetadata>) -> Vec<TensorMetadata> {
	tensors
		.into_iter()
		.map(|(name, datatype, shape)| TensorMetadata {
			name: name.into(),
			datatype: datatype.into(),
			shape,
		})
		.collect()
}

fn parameter(choice: ParameterChoice) -> InferParameter {
	InferParameter { parameter_choice: Some(choice) }
}

#[tonic::async_trait]
impl GrpcInferenceService for Service {
	async fn server_live(
		&self,
		_: Request<ServerLiveRequest>,
	) -> Result<Response<ServerLiveResponse>, Status> {
		Ok(Response::new(ServerLiveResponse { live: true }))
	}

	async fn server_ready(
		&self,
		_: Request<ServerReadyRequest>,
	) -> Result<Response<ServerReadyResponse>, Status> {
		Ok(Response::new(ServerReadyResponse { ready: self.0.ready(None) }))
	}

	async fn model_ready(
		&self,
		request: Request<ModelReadyRequest>,
	) -> Result<Response<ModelReadyResponse>, Status> {
		let request = request.into_inner();
		let version = self.0.check_name(&request.name, Some(&request.version))?;
		Ok(Response::new(ModelReadyResponse { ready: self.0.ready(version) }))
	}

	async fn server_metadata(
		&self,
		_: Request<ServerMetadataRequest>,
	) -> Result<Response<ServerMetadataResponse>, Status> {
		Ok(Response::new(ServerMetadataResponse {
			name: "dropbear-worker".into(),
			version: env!("CARGO_PKG_VERSION").into(),
			extensions: vec![],
		}))
	}

	async fn model_metadata(
		&self,
		request: Request<ModelMetadataRequest>,
	) -> Result<Response<ModelMetadataResponse>, Status> {
		let request = request.into_inner();
		self.0.check_name(&request.name, Some(&request.version))?;
		let (inputs, outputs) = self.0.tensors();
		Ok(Response::new(ModelMetadataResponse {
			name: self.0.model.name.clone(),
			versions: self.0.core.versions().iter().map(|v| v.to_string()).collect(),
			platform: oip::PLATFORM.into(),
			inputs: tensor_metadata(inputs),
			outputs: tensor_metadata(outputs),
		}))
	}

	async fn model_infer(
		&self,
		request: Request<ModelInferRequest>,
	) -> Result<Response<ModelInferResponse>, Status> {
		let mut request = request.into_inner();
		let server = &self.0;
		server
			.check_serving(server.check_name(&request.model_name, Some(&request.model_version))?)?;
		let mut outputs = Vec::new();
		for output in &request.outputs {
			let Some(name) = OUTPUTS.iter().find(|o| **o == output.name) else {
				return Err(bad(format!(
					"unknown output '{}': the model's outputs are {}",
					output.name,
					OUTPUTS.join(", ")
				)));
			};
			outputs.push(*name);
		}
		if outputs.is_empty() {
			outputs = OUTPUTS.to_vec();
		}
		let inputs = input_bytes(server, &mut request)?;
		let fanout =
			match request.parameters.get(oip::FANOUT).and_then(|p| p.parameter_choice.as_ref()) {
				None => false,
				Some(ParameterChoice::BoolParam(b)) => *b,
				Some(_) => return Err(bad(format!("parameter {} is not a boolean", oip::FANOUT))),
			};
		let replies = server.replies(inputs, !fanout).await?;
		let version = replies.first().map_or_else(|| server.core.current(), |r| r.answer.version);
		let mut tensors = Vec::new();
		let mut raw = Vec::new();
		for name in outputs {
			let tensor = oip::output_tensor(name, &replies, &server.model.signer);
			tensors.push(InferOutputTensor {
				name: name.into(),
				datatype: tensor.datatype.into(),
				shape: tensor.shape.iter().map(|d| *d as i64).collect(),
				parameters: HashMap::new(),
				contents: None,
			});
			raw.push(tensor.bytes);
		}
		let mut parameters = HashMap::new();
		if let Some(first) = replies.first() {
			let answer = &first.answer;
			let worker =
				format!("0x{}", hex::encode(dropbear_api::account(&server.model.signer).0));
			parameters.insert("worker".into(), parameter(ParameterChoice::StringParam(worker)));
			parameters.insert(
				"model".into(),
				parameter(ParameterChoice::Int64Param(answer.model.into())),
			);
			parameters.insert(
				"group".into(),
				parameter(ParameterChoice::Int64Param(answer.group.into())),
			);
		}
		Ok(Response::new(ModelInferResponse {
			model_name: server.model.name.clone(),
			model_version: version.to_string(),
			id: request.id,
			parameters,
			outputs: tensors,
			raw_output_contents: raw,
		}))
	}
}

/// Serve the gRPC service on `addr`.
pub async fn start(
	addr: SocketAddr,
	core: Arc<Core>,
	model: ServedModel,
) -> anyhow::Result<(SocketAddr, StopHandle)> {
	let listener = tokio::net::TcpListener::bind(addr).await?;
	let local = listener.local_addr()?;
	let incoming = tonic::transport::server::TcpIncoming::from(listener);
	let service = GrpcInferenceServiceServer::new(Service(Arc::new(Server::new(core, model))))
		.max_decoding_message_size(MAX_BODY)
		.max_encoding_message_size(MAX_BODY);
	let (handle, stopped) = StopHandle::new();
	tokio::spawn(async move {
		// Adaptive HTTP/2 windows, as for the HTTP server (`oip::serve`):
		// a far client is bounded by its link, not by a fixed window.
		let served = tonic::transport::Server::builder()
			.http2_adaptive_window(Some(true))
			.add_service(service)
			.serve_with_incoming_shutdown(incoming, stopped)
			.await;
		if let Err(e) = served {
			tracing::error!(target: "worker::oip", "the gRPC server stopped: {e}");
		}
	});
	Ok((local, handle))
}
