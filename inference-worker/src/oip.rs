//! The Open Inference Protocol (KServe v2) over HTTP/REST: the protocol of
//! Triton, KServe, Seldon MLServer and TorchServe, so that their clients
//! (`tritonclient.http`, KServe's REST client, curl) submit inputs to a
//! member unchanged.
//!
//! A worker serves one model, named as on chain. Its one input tensor is
//! `input`, of the group's input spec's datatype (`UINT8` or `FP32`) and
//! shape, with a leading batch dimension: `[-1, ...spec]` in the metadata,
//! and a tensor of the spec's own shape is one input. Each input is taken as
//! `worker_submitInput` takes it (checked, kept, gossiped to the other
//! members, run at once on the version serving now), and the answer is this
//! member's speculative output, in three output tensors:
//!
//! - `scores`, FP32 `[n, classes]`: the model's class scores;
//! - `label`, INT64 `[n]`: the top class, ranked as votes rank them
//!   ([`AgreementPolicy::output_of_scores`]);
//! - `input_hash`, BYTES `[n]`: each input's blake2-256 hash as `0x` hex, the
//!   id a client orders on chain with `request`;
//! - `answer`, BYTES `[n]`: the [`Answer`] this member vouches for (group,
//!   input hash, model, version, and the canonical output it will vote), as
//!   `0x` hex of its SCALE encoding;
//! - `signature`, BYTES `[n]`: the worker key's sr25519 signature of the
//!   answer's payload, as `0x` hex. The response's `parameters` name the
//!   worker key, the model and the group, so that a client checks the
//!   signature against the model's worker key on chain; `q` equal answers
//!   from different members are a quorum receipt.
//!
//! Tensor data comes as JSON (`data`, flat or nested, in row-major order) or
//! in binary after the JSON (the binary tensor data extension: the header
//! `Inference-Header-Content-Length` and the parameter `binary_data_size`).
//! Outputs go back in binary where asked (`binary_data` on an output, or
//! `binary_data_output` on the request), BYTES elements each after their
//! length (u32, little endian), as Triton sends them.
//!
//! Errors are `{"error": "..."}`, with 400 (the request does not fit the
//! model), 404 (another model or version), 413 (too large) or 503 (not ready
//! or overloaded). A request is checked whole before any of its inputs is
//! taken: a bad one changes nothing.

use crate::core::{AcceptError, Core};
use axum::{
	body::{Body, Bytes},
	extract::{DefaultBodyLimit, Path, State},
	http::{header, HeaderMap, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Router,
};
use codec::Encode;
use dropbear_api::{answer::SignedAnswer, Answer, Digest, Keypair, ModelId};
use dropbear_primitives::{AgreementPolicy, DType, InputSpec, Output, VersionNumber};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

/// Most inputs in one infer request (each is one request on chain).
pub const MAX_INPUTS: usize = 256;

/// Largest request body: 256 ImageNet-sized u8 inputs in binary, or their
/// JSON text (about four bytes a value).
pub const MAX_BODY: usize = 160 << 20;

/// Largest JSON part of a request (all of it without the binary extension).
/// JSON is parsed into a tree of values, several times its text in memory:
/// tensors beyond a few images go in binary.
pub const MAX_JSON: usize = 8 << 20;

/// A JSON part larger than this counts as large: parsing it into a tree of
/// values takes many times its size.
pub const LARGE_JSON: usize = 64 << 10;

/// Most HTTP infer requests with a large JSON part parsed and waited on at
/// once; more get a 503. (Binary tensors and small JSON are not limited
/// here: their memory is the body's.)
pub const MAX_LARGE_JSON_IN_FLIGHT: usize = 8;

/// The input tensor's name.
pub const INPUT: &str = "input";

/// The output tensors, in the order a response lists them.
pub const OUTPUTS: [&str; 5] = ["scores", "label", "input_hash", "answer", "signature"];

/// The request parameter by which a client says it sends each input to every
/// member itself (`dropbear_client::receipt::Fanout` does): the worker then
/// does not gossip them, and each input crosses the network once per member.
pub const FANOUT: &str = "fanout";

/// The platform the metadata names.
pub const PLATFORM: &str = "pytorch_libtorch";

/// A tensor as metadata states it: name, datatype, shape.
pub type TensorMetadata = (&'static str, &'static str, Vec<i64>);

/// The header giving the JSON part's length when binary data follows it.
const HEADER_LENGTH: &str = "inference-header-content-length";

/// Longest an infer request waits for the model's scores.
const ANSWER_PATIENCE: Duration = Duration::from_secs(60);

/// The model served, and the worker key that signs its answers.
#[derive(Clone)]
pub struct ServedModel {
	/// The model's name on chain.
	pub name: String,
	pub id: ModelId,
	/// The model's worker key on chain.
	pub signer: Keypair,
	/// The chain's genesis hash, which every signed answer names.
	pub genesis_hash: Digest,
}

/// A request the server refuses, with the status it answers.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum OipError {
	#[error("{0}")]
	BadRequest(String),
	#[error("{0}")]
	NotFound(String),
	#[error("{0}")]
	TooLarge(String),
	#[error("{0}")]
	Unavailable(String),
	#[error("{0}")]
	Internal(String),
}

impl OipError {
	fn status(&self) -> StatusCode {
		match self {
			OipError::BadRequest(_) => StatusCode::BAD_REQUEST,
			OipError::NotFound(_) => StatusCode::NOT_FOUND,
			OipError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
			OipError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
			OipError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
		}
	}
}

impl IntoResponse for OipError {
	fn into_response(self) -> Response {
		json_response(self.status(), &json!({ "error": self.to_string() }))
	}
}

fn bad(message: impl Into<String>) -> OipError {
	OipError::BadRequest(message.into())
}

fn json_response(status: StatusCode, value: &Value) -> Response {
	(status, [(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

/// The protocol's name of a datatype.
pub fn datatype(dtype: DType) -> &'static str {
	match dtype {
		DType::U8 => "UINT8",
		DType::F32 => "FP32",
	}
}

#[derive(Debug, Deserialize)]
struct InferRequest {
	#[serde(default)]
	id: Option<String>,
	#[serde(default)]
	parameters: Map<String, Value>,
	inputs: Vec<RequestInput>,
	#[serde(default)]
	outputs: Vec<RequestOutput>,
}

#[derive(Debug, Deserialize)]
struct RequestInput {
	name: String,
	shape: Vec<i64>,
	datatype: String,
	#[serde(default)]
	parameters: Map<String, Value>,
	#[serde(default)]
	data: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct RequestOutput {
	name: String,
	#[serde(default)]
	parameters: Map<String, Value>,
}

/// An infer request made sense of: the inputs, each the bytes the input
/// spec fixes, and the outputs asked for with whether each goes in binary.
#[derive(Debug, PartialEq)]
pub struct Infer {
	pub id: Option<String>,
	/// In binary, slices of the request's body; from JSON, decoded.
	pub inputs: Vec<Bytes>,
	pub outputs: Vec<(&'static str, bool)>,
	/// The request's `fanout` parameter: the client sends these inputs to
	/// every member itself, so they are not gossiped.
	pub fanout: bool,
}

/// Make sense of an infer request's body: `header_length` is the value of
/// `Inference-Header-Content-Length`, when binary data follows the JSON.
pub fn parse_infer(
	spec: &InputSpec,
	header_length: Option<&str>,
	body: &Bytes,
) -> Result<Infer, OipError> {
	let (head, binary) = match header_length {
		Some(value) => {
			let n: usize = value.trim().parse().map_err(|_| {
				bad(format!("Inference-Header-Content-Length is not a length: {value:?}"))
			})?;
			if n > body.len() {
				return Err(bad(format!(
					"Inference-Header-Content-Length is {n}, past the body's {} bytes",
					body.len()
				)));
			}
			body.split_at(n)
		}
		None => (&body[..], &[][..]),
	};
	if head.len() > MAX_JSON {
		return Err(OipError::TooLarge(format!(
			"the JSON part of the request is {} bytes, at most {MAX_JSON}: send tensor data with the binary extension",
			head.len()
		)));
	}
	let request: InferRequest = serde_json::from_slice(head)
		.map_err(|e| bad(format!("the body is not an inference request: {e}")))?;
	let [input] = &request.inputs[..] else {
		return Err(one_input(request.inputs.len()));
	};
	let (n, total) = check_tensor(spec, &input.name, &input.datatype, &input.shape)?;
	let want_type = datatype(spec.dtype);
	let inputs = match (input.parameters.get("binary_data_size"), &input.data) {
		(Some(size), None) => {
			let size =
				size.as_u64().ok_or_else(|| bad("binary_data_size is not a number of bytes"))?
					as usize;
			if size != total {
				return Err(bad(format!(
					"binary_data_size is {size}; shape {:?} of {want_type} is {total} bytes",
					input.shape
				)));
			}
			if binary.len() != size {
				return Err(bad(format!(
					"the binary data is {} bytes; input '{INPUT}' has binary_data_size {size}",
					binary.len()
				)));
			}
			split(body.slice(head.len()..), n, body.len())
		}
		(None, Some(data)) => {
			if !binary.is_empty() {
				return Err(bad(format!(
					"{} bytes of binary data follow the JSON, but no input has binary_data_size",
					binary.len()
				)));
			}
			let bytes =
				Bytes::from(json_data(spec.dtype, data, total / spec.dtype.size() as usize)?);
			let own_buffer = bytes.len();
			split(bytes, n, own_buffer)
		}
		(Some(_), Some(_)) => {
			return Err(bad(format!("input '{INPUT}' has both data and binary_data_size")))
		}
		(None, None) => {
			return Err(bad(format!("input '{INPUT}' has neither data nor binary_data_size")))
		}
	};
	let binary_default = flag(&request.parameters, "binary_data_output")?;
	let outputs = if request.outputs.is_empty() {
		OUTPUTS.iter().map(|name| (*name, binary_default)).collect()
	} else {
		let mut outputs = Vec::new();
		for output in &request.outputs {
			let Some(name) = OUTPUTS.iter().find(|o| **o == output.name) else {
				return Err(bad(format!(
					"unknown output '{}': the model's outputs are {}",
					output.name,
					OUTPUTS.join(", ")
				)));
			};
			let binary = match output.parameters.get("binary_data") {
				Some(_) => flag(&output.parameters, "binary_data")?,
				None => binary_default,
			};
			outputs.push((*name, binary));
		}
		outputs
	};
	let fanout = flag(&request.parameters, FANOUT)?;
	Ok(Infer { id: request.id, inputs, outputs, fanout })
}

/// The error of a request without exactly one input tensor.
pub fn one_input(got: usize) -> OipError {
	bad(format!("the model takes one input tensor, '{INPUT}'; the request has {got}"))
}

/// Check an input tensor's name, datatype and shape against the group's
/// input spec: how many inputs it holds, and their bytes in all.
pub fn check_tensor(
	spec: &InputSpec,
	name: &str,
	dtype: &str,
	shape: &[i64],
) -> Result<(usize, usize), OipError> {
	if name != INPUT {
		return Err(bad(format!("unknown input '{name}': the model's input is '{INPUT}'")));
	}
	let want_type = datatype(spec.dtype);
	if dtype != want_type {
		return Err(bad(format!(
			"input '{INPUT}' is {want_type}, the group's input spec; the request has {dtype}"
		)));
	}
	let n = batch_of(spec, shape)?;
	let each = spec.byte_len().map_err(|_| bad("the group's input spec is invalid"))? as usize;
	let total = n.checked_mul(each).ok_or_else(|| bad("the input is too large"))?;
	Ok((n, total))
}

/// Inputs at least this large are kept as slices of the buffer they came
/// in rather than copied (an ImageNet image costs more to copy than a
/// near-free model costs to run); smaller ones are copied, which is cheap.
pub const SLICE_AT_LEAST: usize = 64 << 10;

/// How many bytes besides the input a buffer may hold for the input to be
/// kept as a slice of it (a request's JSON header, a message's other fields).
pub const SLICE_SLACK: usize = 4 << 10;

/// The `n` inputs of equal size that `bytes` holds back to back (`bytes`
/// is `n` times an input's size: the callers checked it), from a buffer of
/// `buffer` bytes in all. A kept input keeps its whole buffer alive, and the
/// store keeps thousands: so one input that is its buffer (decoded from
/// JSON or typed contents), or a large one that is nearly all of it, is
/// kept as it is, and every other input is copied into a buffer of its own.
/// A request padded with a large header, or carrying many inputs of which
/// most are already held, then holds no more memory in the store than its
/// new inputs' bytes.
pub fn split(bytes: Bytes, n: usize, buffer: usize) -> Vec<Bytes> {
	let each = bytes.len() / n.max(1);
	debug_assert_eq!(bytes.len(), n * each, "inputs of equal size");
	let nearly_all = each >= SLICE_AT_LEAST && buffer <= each + SLICE_SLACK;
	if n == 1 && (buffer == each || nearly_all) {
		return vec![bytes];
	}
	(0..n).map(|i| Bytes::copy_from_slice(&bytes[i * each..(i + 1) * each])).collect()
}

/// How many inputs a tensor of `shape` holds: one of the spec's shape, or
/// `n` with a leading batch dimension.
fn batch_of(spec: &InputSpec, shape: &[i64]) -> Result<usize, OipError> {
	let dims: Vec<i64> = spec.shape.iter().map(|d| i64::from(*d)).collect();
	let n = if shape == dims.as_slice() {
		1
	} else if shape.len() == dims.len() + 1 && shape[1..] == dims[..] && shape[0] >= 1 {
		shape[0] as u64
	} else {
		return Err(bad(format!(
			"shape {shape:?} does not fit the group's input spec {dims:?}: send [n, {}] for n inputs",
			dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
		)));
	};
	if n > MAX_INPUTS as u64 {
		return Err(OipError::TooLarge(format!("{n} inputs in one request; at most {MAX_INPUTS}")));
	}
	Ok(n as usize)
}

fn flag(parameters: &Map<String, Value>, name: &str) -> Result<bool, OipError> {
	match parameters.get(name) {
		None => Ok(false),
		Some(Value::Bool(b)) => Ok(*b),
		Some(other) => Err(bad(format!("parameter {name} is not a boolean: {other}"))),
	}
}

/// Tensor data given as JSON numbers (flat or nested), as the spec's bytes.
fn json_data(dtype: DType, data: &Value, elements: usize) -> Result<Vec<u8>, OipError> {
	let mut numbers = Vec::with_capacity(elements);
	flatten(data, &mut numbers, elements)?;
	if numbers.len() != elements {
		let held = if numbers.len() > elements {
			format!("more than {elements}")
		} else {
			numbers.len().to_string()
		};
		return Err(bad(format!("the data holds {held} values; the shape needs {elements}")));
	}
	let mut out = Vec::with_capacity(elements * dtype.size() as usize);
	for number in numbers {
		match dtype {
			DType::U8 => {
				let byte = number
					.as_u64()
					.and_then(|v| u8::try_from(v).ok())
					.ok_or_else(|| bad(format!("UINT8 data holds {number}")))?;
				out.push(byte);
			}
			DType::F32 => {
				let v = number.as_f64().ok_or_else(|| bad("FP32 data holds a non-number"))?;
				out.extend_from_slice(&(v as f32).to_le_bytes());
			}
		}
	}
	Ok(out)
}

/// The numbers of nested arrays in row-major order, stopping past `limit`
/// (serde_json bounds the nesting at 128 levels).
fn flatten<'a>(
	value: &'a Value,
	out: &mut Vec<&'a serde_json::Number>,
	limit: usize,
) -> Result<(), OipError> {
	match value {
		Value::Array(items) => {
			for item in items {
				if out.len() > limit {
					break;
				}
				flatten(item, out, limit)?;
			}
			Ok(())
		}
		Value::Number(n) => {
			out.push(n);
			Ok(())
		}
		other => Err(bad(format!("tensor data holds {other}, not a number"))),
	}
}

/// One input's reply: the model's scores and this member's answer, which
/// is signed only where a response asks for its signature (sr25519 signing
/// costs more than the rest of a reply, and a client that orders the input
/// and waits for its certificate asks only for the input hash).
pub struct Reply {
	pub scores: Vec<f32>,
	pub answer: Answer,
}

/// The top class of `scores`, ranked as votes rank them.
fn label(scores: &[f32]) -> i64 {
	match AgreementPolicy::Top1.output_of_scores(scores) {
		Some(Output::Label(l)) => i64::from(l),
		_ => -1,
	}
}

/// One output tensor of a response, in JSON and in binary.
pub struct Tensor {
	pub datatype: &'static str,
	pub shape: Vec<usize>,
	pub data: Value,
	/// Little-endian values; BYTES elements each after their length (u32
	/// LE), as Triton frames them.
	pub bytes: Vec<u8>,
}

fn hex_of(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// The output `name` (one of [`OUTPUTS`]) of `replies`; the `signature`
/// output signs each answer with `signer`, the worker key.
pub fn output_tensor(name: &str, replies: &[Reply], signer: &Keypair) -> Tensor {
	let n = replies.len();
	let classes = replies.first().map_or(0, |r| r.scores.len());
	match name {
		"scores" => {
			let values: Vec<f32> = replies.iter().flat_map(|r| r.scores.clone()).collect();
			let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
			Tensor { datatype: "FP32", shape: vec![n, classes], data: json!(values), bytes }
		}
		"label" => {
			let values: Vec<i64> = replies.iter().map(|r| label(&r.scores)).collect();
			let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
			Tensor { datatype: "INT64", shape: vec![n], data: json!(values), bytes }
		}
		name => {
			let values: Vec<String> = replies
				.iter()
				.map(|r| match name {
					"input_hash" => hex_of(&r.answer.input_hash),
					"answer" => hex_of(&r.answer.encode()),
					_ => hex_of(&SignedAnswer::sign(r.answer.clone(), signer).signature),
				})
				.collect();
			let mut bytes = Vec::new();
			for v in &values {
				bytes.extend_from_slice(&(v.len() as u32).to_le_bytes());
				bytes.extend_from_slice(v.as_bytes());
			}
			Tensor { datatype: "BYTES", shape: vec![n], data: json!(values), bytes }
		}
	}
}

/// An infer response: the JSON and, when an output goes in binary, the
/// binary data after it (returned with the JSON's length).
pub fn infer_response(
	model: &str,
	version: VersionNumber,
	id: Option<&str>,
	outputs: &[(&'static str, bool)],
	replies: &[Reply],
	signer: &Keypair,
) -> (Vec<u8>, Option<usize>) {
	let mut binary = Vec::new();
	let mut listed = Vec::new();
	for (name, in_binary) in outputs {
		let Tensor { datatype, shape, data, bytes } = output_tensor(name, replies, signer);
		let mut tensor = json!({ "name": name, "datatype": datatype, "shape": shape });
		if *in_binary {
			tensor["parameters"] = json!({ "binary_data_size": bytes.len() });
			binary.extend_from_slice(&bytes);
		} else {
			tensor["data"] = data;
		}
		listed.push(tensor);
	}
	let mut head = json!({
		"model_name": model,
		"model_version": version.to_string(),
		"outputs": listed,
	});
	if let Some(first) = replies.first() {
		let answer = &first.answer;
		head["parameters"] = json!({
			"worker": hex_of(&dropbear_api::account(signer).0),
			"model": answer.model,
			"group": answer.group,
		});
	}
	if let Some(id) = id {
		head["id"] = json!(id);
	}
	let mut body = head.to_string().into_bytes();
	let header_length = (!binary.is_empty()).then_some(body.len());
	body.extend_from_slice(&binary);
	(body, header_length)
}

/// What both of the protocol's servers (HTTP here, gRPC in `grpc.rs`) serve from.
pub struct Server {
	pub core: Arc<Core>,
	pub model: ServedModel,
	/// Infer requests with a large JSON part in flight over HTTP
	/// ([`MAX_LARGE_JSON_IN_FLIGHT`]).
	pub large_json: tokio::sync::Semaphore,
}

impl Server {
	pub fn new(core: Arc<Core>, model: ServedModel) -> Self {
		Self { core, model, large_json: tokio::sync::Semaphore::new(MAX_LARGE_JSON_IN_FLIGHT) }
	}
}

type Shared = State<Arc<Server>>;

impl Server {
	/// The route's model (and version, when named) must be this worker's.
	fn check_model(
		&self,
		path: &HashMap<String, String>,
	) -> Result<Option<VersionNumber>, OipError> {
		let name = path.get("model").map(String::as_str).unwrap_or_default();
		self.check_name(name, path.get("version").map(String::as_str))
	}

	/// `name` (and `version`, when named and not empty) must be this worker's
	/// model and one of its loaded versions.
	pub fn check_name(
		&self,
		name: &str,
		version: Option<&str>,
	) -> Result<Option<VersionNumber>, OipError> {
		if name != self.model.name {
			return Err(OipError::NotFound(format!(
				"model '{name}' is not served here; this worker serves '{}'",
				self.model.name
			)));
		}
		let Some(version) = version.filter(|v| !v.is_empty()) else { return Ok(None) };
		let number: VersionNumber = version.parse().map_err(|_| {
			OipError::NotFound(format!("version '{version}' is not a version number"))
		})?;
		if !self.core.versions().contains(&number) {
			return Err(OipError::NotFound(format!(
				"version {number} of '{name}' is not loaded here (loaded: {:?})",
				self.core.versions()
			)));
		}
		Ok(Some(number))
	}

	/// Take `inputs` (checked whole first), wait for the model's scores on
	/// each and settle this member's answers.
	pub async fn replies(&self, inputs: Vec<Bytes>, gossip: bool) -> Result<Vec<Reply>, OipError> {
		self.core.metrics.received("client", inputs.iter().map(Bytes::len).sum());
		let pending = self.core.answer(inputs, gossip).await.map_err(|e| match e {
			AcceptError::Invalid(e) => bad(e.to_string()),
			e @ (AcceptError::Overloaded(_) | AcceptError::NotReady) => {
				OipError::Unavailable(e.to_string())
			}
			e @ AcceptError::WrongGroup { .. } => OipError::Internal(e.to_string()),
		})?;
		let mut replies = Vec::with_capacity(pending.len());
		for pending in pending {
			let scores = tokio::time::timeout(ANSWER_PATIENCE, pending.scores)
				.await
				.map_err(|_| {
					OipError::Unavailable(format!(
						"no answer from the model in {ANSWER_PATIENCE:?}"
					))
				})?
				.map_err(|_| OipError::Unavailable("the model thread stopped".into()))?
				.map_err(|e| OipError::Internal(format!("the model failed: {e}")))?;
			// The output this member will vote, which is the one it signs.
			let output = self
				.core
				.settled_output(&pending.hash, &pending.weights, &scores)
				.ok_or_else(|| {
					OipError::Internal(format!("the model gave {} scores, too few", scores.len()))
				})?;
			let answer = Answer {
				genesis_hash: self.model.genesis_hash,
				group: self.core.terms.group,
				input_hash: pending.hash,
				model: self.model.id,
				version: pending.version,
				output,
			};
			replies.push(Reply { scores, answer });
		}
		Ok(replies)
	}

	/// The model's input and output tensors, as its metadata states them
	/// (a leading -1: any number of inputs).
	pub fn tensors(&self) -> (Vec<TensorMetadata>, Vec<TensorMetadata>) {
		let terms = &self.core.terms;
		let mut shape: Vec<i64> = vec![-1];
		shape.extend(terms.input.shape.iter().map(|d| i64::from(*d)));
		let inputs = vec![(INPUT, datatype(terms.input.dtype), shape)];
		let outputs = vec![
			("scores", "FP32", vec![-1, i64::from(terms.classes)]),
			("label", "INT64", vec![-1]),
			("input_hash", "BYTES", vec![-1]),
			("answer", "BYTES", vec![-1]),
			("signature", "BYTES", vec![-1]),
		];
		(inputs, outputs)
	}

	/// An infer request may name only the version serving now.
	pub fn check_serving(&self, version: Option<VersionNumber>) -> Result<(), OipError> {
		let current = self.core.current();
		match version {
			Some(v) if v != current => Err(bad(format!(
				"version {v} is loaded but does not serve new requests; version {current} does"
			))),
			_ => Ok(()),
		}
	}

	/// Whether `version` (the one serving now if `None`) is loaded and its
	/// model answered its last batch or health check.
	pub fn ready(&self, version: Option<VersionNumber>) -> bool {
		let version = version.unwrap_or_else(|| self.core.current());
		self.core.health().iter().any(|(v, h)| *v == version && h.is_ok())
	}
}

fn status_of(ready: bool, key: &str) -> Response {
	let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
	json_response(status, &json!({ key: ready }))
}

/// The protocol's server metadata, with the member this worker serves in
/// `parameters` (an addition the protocol's clients ignore): its model
/// name, model id and group, and the worker key that signs its answers. A
/// client finds which member an address serves from this one call.
async fn server_metadata(State(s): Shared) -> Response {
	json_response(
		StatusCode::OK,
		&json!({
			"name": "dropbear-worker",
			"version": env!("CARGO_PKG_VERSION"),
			"extensions": ["binary_tensor_data"],
			"parameters": {
				"model": s.model.name,
				"model_id": s.model.id,
				"group": s.core.terms.group,
				"worker": hex_of(&dropbear_api::account(&s.model.signer).0),
			},
		}),
	)
}

async fn live() -> Response {
	status_of(true, "live")
}

async fn server_ready(State(s): Shared) -> Response {
	status_of(s.ready(None), "ready")
}

async fn model_ready(
	State(s): Shared,
	Path(path): Path<HashMap<String, String>>,
) -> Result<Response, OipError> {
	let version = s.check_model(&path)?;
	Ok(status_of(s.ready(version), "ready"))
}

async fn model_metadata(
	State(s): Shared,
	Path(path): Path<HashMap<String, String>>,
) -> Result<Response, OipError> {
	s.check_model(&path)?;
	let (inputs, outputs) = s.tensors();
	let describe = |tensors: Vec<TensorMetadata>| -> Vec<Value> {
		tensors
			.into_iter()
			.map(
				|(name, datatype, shape)| json!({ "name": name, "datatype": datatype, "shape": shape }),
			)
			.collect()
	};
	let versions: Vec<String> = s.core.versions().iter().map(|v| v.to_string()).collect();
	Ok(json_response(
		StatusCode::OK,
		&json!({
			"name": s.model.name,
			"versions": versions,
			"platform": PLATFORM,
			"inputs": describe(inputs),
			"outputs": describe(outputs),
		}),
	))
}

async fn infer(
	State(s): Shared,
	Path(path): Path<HashMap<String, String>>,
	headers: HeaderMap,
	body: Bytes,
) -> Result<Response, OipError> {
	s.check_serving(s.check_model(&path)?)?;
	let current = s.core.current();
	if let Some(encoding) = headers.get(header::CONTENT_ENCODING) {
		if encoding.as_bytes() != b"identity" {
			return Err(bad(format!("compressed request bodies ({encoding:?}) are not supported")));
		}
	}
	let header_length = match headers.get(HEADER_LENGTH) {
		Some(v) => {
			Some(v.to_str().map_err(|_| bad("Inference-Header-Content-Length is not text"))?)
		}
		None => None,
	};
	let json_len = match header_length {
		Some(n) => n.trim().parse().unwrap_or(body.len()),
		None => body.len(),
	};
	let _permit = match json_len > LARGE_JSON {
		true => Some(s.large_json.try_acquire().map_err(|_| {
			OipError::Unavailable(format!(
				"{MAX_LARGE_JSON_IN_FLIGHT} requests with large JSON in flight; retry, or send the tensors in binary"
			))
		})?),
		false => None,
	};
	let request = parse_infer(&s.core.terms.input, header_length, &body)?;
	let replies = s.replies(request.inputs, !request.fanout).await?;
	let version = replies.first().map_or(current, |r| r.answer.version);
	let (body, header_length) = infer_response(
		&s.model.name,
		version,
		request.id.as_deref(),
		&request.outputs,
		&replies,
		&s.model.signer,
	);
	let mut response = Response::new(Body::from(body));
	let headers = response.headers_mut();
	match header_length {
		Some(n) => {
			headers
				.insert(header::CONTENT_TYPE, "application/octet-stream".parse().expect("valid"));
			headers.insert(HEADER_LENGTH, n.into());
		}
		None => {
			headers.insert(header::CONTENT_TYPE, "application/json".parse().expect("valid"));
		}
	}
	Ok(response)
}

async fn unknown_route() -> OipError {
	OipError::NotFound("no such endpoint of the Open Inference Protocol (see /v2)".into())
}

/// The protocol's routes.
fn router(core: Arc<Core>, model: ServedModel) -> Router {
	Router::new()
		.route("/v2", get(server_metadata))
		.route("/v2/health/live", get(live))
		.route("/v2/health/ready", get(server_ready))
		.route("/v2/models/{model}", get(model_metadata))
		.route("/v2/models/{model}/ready", get(model_ready))
		.route("/v2/models/{model}/infer", post(infer))
		.route("/v2/models/{model}/versions/{version}", get(model_metadata))
		.route("/v2/models/{model}/versions/{version}/ready", get(model_ready))
		.route("/v2/models/{model}/versions/{version}/infer", post(infer))
		.fallback(unknown_route)
		.layer(DefaultBodyLimit::max(MAX_BODY))
		.with_state(Arc::new(Server::new(core, model)))
}

/// A running server of the protocol (HTTP or gRPC); [`StopHandle::stop`]
/// ends it after the requests in progress.
pub struct StopHandle {
	stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl StopHandle {
	/// A handle, and the future a server's graceful shutdown waits on.
	pub fn new() -> (Self, impl std::future::Future<Output = ()> + Send + 'static) {
		let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
		(Self { stop: Some(stop) }, async move {
			let _ = stopped.await;
		})
	}

	pub fn stop(&mut self) {
		if let Some(stop) = self.stop.take() {
			let _ = stop.send(());
		}
	}
}

/// Serve the protocol on `addr` (HTTP/1.1, and HTTP/2 with prior knowledge).
pub async fn start(
	addr: SocketAddr,
	core: Arc<Core>,
	model: ServedModel,
) -> anyhow::Result<(SocketAddr, StopHandle)> {
	let listener = tokio::net::TcpListener::bind(addr).await?;
	let local = listener.local_addr()?;
	let (handle, stopped) = StopHandle::new();
	tokio::spawn(serve(listener, router(core, model), stopped));
	Ok((local, handle))
}

/// How long a stopping server waits for the requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

/// Accept connections on `listener` and serve `app` on each until
/// `stopped`, then let the requests in flight finish (up to [`DRAIN`]).
///
/// HTTP/2 runs with adaptive flow-control windows. A receiver's windows
/// bound what a sender may have in flight: with hyper's default (1 MiB a
/// connection) a client can send a worker 80 ms away at most 1 MiB per
/// round trip, 12.5 MB/s or 83 u8 ImageNet images a second shared by every
/// request on the connection, whatever the link carries. Adaptive windows
/// follow the measured bandwidth-delay product (up to hyper's 16 MiB), so
/// a far member is bounded by the link, not by the protocol.
async fn serve(
	listener: tokio::net::TcpListener,
	app: Router,
	stopped: impl std::future::Future<Output = ()>,
) {
	use hyper_util::{
		rt::{TokioExecutor, TokioIo},
		server::conn::auto::Builder,
		service::TowerToHyperService,
	};
	let mut builder = Builder::new(TokioExecutor::new());
	builder.http2().adaptive_window(true);
	// Each connection holds a receiver: a value sent tells them all to
	// stop, and they are done once every receiver is gone.
	let (stop, stopping) = tokio::sync::watch::channel(());
	let mut stopped = std::pin::pin!(stopped);
	loop {
		let stream = tokio::select! {
			accepted = listener.accept() => match accepted {
				Ok((stream, _)) => stream,
				Err(e) => {
					// Out of file descriptors, usually: the connections
					// open go on; new ones wait a moment.
					tracing::warn!(target: "worker::oip", "accepting a connection: {e}");
					tokio::time::sleep(Duration::from_millis(100)).await;
					continue;
				}
			},
			() = &mut stopped => break,
		};
		// Answers are small and wanted at once.
		let _ = stream.set_nodelay(true);
		let service = TowerToHyperService::new(app.clone());
		let connection =
			builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
		let mut stopping = stopping.clone();
		tokio::spawn(async move {
			let mut connection = std::pin::pin!(connection);
			let served = tokio::select! {
				served = connection.as_mut() => served,
				_ = stopping.changed() => {
					// Finish the requests in flight, take no more.
					connection.as_mut().graceful_shutdown();
					connection.as_mut().await
				}
			};
			if let Err(e) = served {
				tracing::debug!(target: "worker::oip", "a connection ended: {e}");
			}
			drop(stopping);
		});
	}
	drop(stopping);
	// Fails only when no connection is open: nothing to wait for then.
	let _ = stop.send(());
	if tokio::time::timeout(DRAIN, stop.closed()).await.is_err() {
		tracing::warn!(target: "worker::oip", "requests still in flight after {DRAIN:?}; stopping anyway");
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn digits() -> InputSpec {
		InputSpec { dtype: DType::U8, shape: vec![1, 4, 4].try_into().unwrap() }
	}

	/// [`parse_infer`] of a body copied into a buffer of its own.
	fn parse(spec: &InputSpec, length: Option<&str>, body: &[u8]) -> Result<Infer, OipError> {
		parse_infer(spec, length, &Bytes::copy_from_slice(body))
	}

	fn request(input: Value) -> Vec<u8> {
		json!({ "inputs": [input] }).to_string().into_bytes()
	}

	#[test]
	fn json_data_flat_or_nested_gives_the_same_inputs() {
		let flat: Vec<u8> = (0..32).collect();
		let nested: Vec<Vec<Vec<Vec<u8>>>> = flat
			.chunks(16)
			.map(|image| vec![image.chunks(4).map(<[u8]>::to_vec).collect()])
			.collect();
		for data in [json!(flat), json!(nested)] {
			let body = request(json!({
				"name": "input", "datatype": "UINT8", "shape": [2, 1, 4, 4], "data": data,
			}));
			let infer = parse(&digits(), None, &body).unwrap();
			assert_eq!(infer.inputs, vec![(0..16).collect::<Vec<u8>>(), (16..32).collect()]);
			assert_eq!(infer.outputs, OUTPUTS.iter().map(|o| (*o, false)).collect::<Vec<_>>());
		}
		let fanned_out = json!({
			"parameters": { "fanout": true },
			"inputs": [{ "name": "input", "datatype": "UINT8", "shape": [1, 4, 4], "data": vec![0; 16] }],
		});
		assert!(parse(&digits(), None, fanned_out.to_string().as_bytes()).unwrap().fanout);
	}

	#[test]
	fn binary_data_after_the_json_header_is_read_by_its_sizes() {
		let head = json!({
			"id": "r1",
			"inputs": [{
				"name": "input", "datatype": "UINT8", "shape": [1, 4, 4],
				"parameters": { "binary_data_size": 16 },
			}],
			"outputs": [{ "name": "label", "parameters": { "binary_data": true } }],
		})
		.to_string();
		let mut body = head.clone().into_bytes();
		body.extend(100u8..116);
		let length = head.len().to_string();
		let infer = parse(&digits(), Some(&length), &body).unwrap();
		assert_eq!(infer.id.as_deref(), Some("r1"));
		assert!(!infer.fanout, "gossiped unless the client fans out");
		assert_eq!(infer.inputs, vec![(100u8..116).collect::<Vec<u8>>()]);
		assert_eq!(infer.outputs, vec![("label", true)]);

		// Truncated: a byte short.
		let short = &body[..body.len() - 1];
		let err = parse(&digits(), Some(&length), short).unwrap_err();
		assert!(matches!(&err, OipError::BadRequest(m) if m.contains("is 15 bytes")), "{err}");
		// A header length past the body.
		let err = parse(&digits(), Some("100000"), &body).unwrap_err();
		assert!(err.to_string().contains("past the body"), "{err}");
	}

	/// A body of `head` padded to `pad` bytes with spaces, then `images`.
	fn binary_body(n: usize, each: usize, pad: usize) -> (Bytes, String, Vec<u8>) {
		let mut head = json!({
			"inputs": [{
				"name": "input", "datatype": "UINT8", "shape": [n, 3, 128, 256],
				"parameters": { "binary_data_size": n * each },
			}],
		})
		.to_string();
		head.extend(std::iter::repeat_n(' ', pad.saturating_sub(head.len())));
		let images: Vec<u8> = (0..n * each).map(|i| (i % 251) as u8).collect();
		let mut body = head.clone().into_bytes();
		body.extend_from_slice(&images);
		(Bytes::from(body), head.len().to_string(), images)
	}

	#[test]
	fn one_large_input_is_kept_as_the_body_and_any_other_is_copied_out() {
		let spec = InputSpec { dtype: DType::U8, shape: vec![3, 128, 256].try_into().unwrap() };
		let each = 3 * 128 * 256;
		assert!(each >= SLICE_AT_LEAST);
		// One image behind a small header: the input is the body's own bytes.
		let (body, length, images) = binary_body(1, each, 0);
		let infer = parse_infer(&spec, Some(&length), &body).unwrap();
		assert_eq!(infer.inputs, vec![images.clone()]);
		let image_at = body.len() - each;
		assert_eq!(infer.inputs[0].as_ptr(), body[image_at..].as_ptr(), "not copied");
		// Behind a header padded past the slack, it is copied: kept, it
		// would keep the padding alive with it.
		let (body, length, images) = binary_body(1, each, SLICE_SLACK + 1);
		let infer = parse_infer(&spec, Some(&length), &body).unwrap();
		assert_eq!(infer.inputs, vec![images]);
		assert_ne!(infer.inputs[0].as_ptr(), body[body.len() - each..].as_ptr(), "copied");
		// Two in one request: each copied into a buffer of its own.
		let (body, length, images) = binary_body(2, each, 0);
		let infer = parse_infer(&spec, Some(&length), &body).unwrap();
		assert_eq!(infer.inputs, vec![images[..each].to_vec(), images[each..].to_vec()]);
		let start = body.len() - 2 * each;
		assert_ne!(infer.inputs[0].as_ptr(), body[start..].as_ptr(), "copied");
	}

	#[test]
	fn a_tensor_that_does_not_fit_the_spec_is_refused_with_its_reason() {
		let cases = [
			(
				json!({ "name": "x", "datatype": "UINT8", "shape": [1, 4, 4], "data": [0] }),
				"unknown input 'x'",
			),
			(
				json!({ "name": "input", "datatype": "FP32", "shape": [1, 4, 4], "data": [0] }),
				"input 'input' is UINT8",
			),
			(
				json!({ "name": "input", "datatype": "UINT8", "shape": [1, 4, 5], "data": [0] }),
				"does not fit the group's input spec",
			),
			(
				json!({ "name": "input", "datatype": "UINT8", "shape": [0, 1, 4, 4], "data": [] }),
				"does not fit",
			),
			(
				json!({ "name": "input", "datatype": "UINT8", "shape": [1, 4, 4], "data": [0, 1] }),
				"the data holds 2 values; the shape needs 16",
			),
			(
				json!({ "name": "input", "datatype": "UINT8", "shape": [1, 4, 4], "data": vec![7; 17] }),
				"more than 16",
			),
			(
				json!({ "name": "input", "datatype": "UINT8", "shape": [1, 4, 4], "data": vec![256; 16] }),
				"UINT8 data holds 256",
			),
			(
				json!({ "name": "input", "datatype": "UINT8", "shape": [1, 4, 4], "data": ["a"] }),
				"not a number",
			),
			(
				json!({ "name": "input", "datatype": "UINT8", "shape": [1, 4, 4] }),
				"neither data nor binary_data_size",
			),
		];
		for (input, reason) in cases {
			let err = parse(&digits(), None, &request(input.clone())).unwrap_err();
			assert!(
				matches!(&err, OipError::BadRequest(m) if m.contains(reason)),
				"{input}: {err:?}, wanted {reason}"
			);
		}
		let two = json!({ "inputs": [
			{ "name": "input", "datatype": "UINT8", "shape": [1, 4, 4], "data": vec![0; 16] },
			{ "name": "input", "datatype": "UINT8", "shape": [1, 4, 4], "data": vec![0; 16] },
		]});
		let err = parse(&digits(), None, two.to_string().as_bytes()).unwrap_err();
		assert!(err.to_string().contains("one input tensor"), "{err}");
		let err = parse(&digits(), None, b"{not json").unwrap_err();
		assert!(err.to_string().contains("not an inference request"), "{err}");
		let many = request(json!({
			"name": "input", "datatype": "UINT8", "shape": [MAX_INPUTS + 1, 1, 4, 4],
			"parameters": { "binary_data_size": (MAX_INPUTS + 1) * 16 },
		}));
		let err = parse(&digits(), Some(&many.len().to_string()), &many).unwrap_err();
		assert!(matches!(err, OipError::TooLarge(_)), "{err:?}");
		// JSON past its bound is refused before it is parsed (a tree of values
		// takes many times its text).
		let mut huge = request(json!({
			"name": "input", "datatype": "UINT8", "shape": [1, 4, 4], "data": vec![0; 16],
		}));
		huge.resize(MAX_JSON + 1, b' ');
		let err = parse(&digits(), None, &huge).unwrap_err();
		assert!(matches!(&err, OipError::TooLarge(m) if m.contains("binary extension")), "{err:?}");
		let unknown_output = json!({
			"inputs": [{ "name": "input", "datatype": "UINT8", "shape": [1, 4, 4], "data": vec![0; 16] }],
			"outputs": [{ "name": "logits" }],
		});
		let err = parse(&digits(), None, unknown_output.to_string().as_bytes()).unwrap_err();
		assert!(err.to_string().contains("unknown output 'logits'"), "{err}");
	}

	#[test]
	fn float_inputs_are_little_endian_f32() {
		let spec = InputSpec { dtype: DType::F32, shape: vec![2].try_into().unwrap() };
		let body = request(
			json!({ "name": "input", "datatype": "FP32", "shape": [2], "data": [1.5, -2] }),
		);
		let infer = parse(&spec, None, &body).unwrap();
		let want: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
		assert_eq!(infer.inputs, vec![want]);
	}

	fn key() -> Keypair {
		dropbear_api::keys::signer("//Bob-worker").unwrap()
	}

	fn reply(hash: u8, scores: Vec<f32>) -> Reply {
		let output = AgreementPolicy::Top1.output_of_scores(&scores).unwrap();
		let answer = Answer {
			genesis_hash: [2; 32],
			group: 0,
			input_hash: [hash; 32],
			model: 1,
			version: 3,
			output,
		};
		Reply { scores, answer }
	}

	#[test]
	fn a_response_carries_scores_labels_hashes_and_signed_answers_in_json_or_binary() {
		let replies = [reply(1, vec![0.1, 0.7, 0.2]), reply(2, vec![0.5, 0.5, 0.0])];
		let all_json: Vec<(&str, bool)> = OUTPUTS.iter().map(|o| (*o, false)).collect();
		let (body, length) = infer_response("digits", 3, Some("r"), &all_json, &replies, &key());
		assert_eq!(length, None);
		let v: Value = serde_json::from_slice(&body).unwrap();
		assert_eq!(v["model_version"], "3");
		assert_eq!(v["id"], "r");
		assert_eq!(v["outputs"][0]["shape"], json!([2, 3]));
		// Ties go to the lower class, as in votes.
		assert_eq!(v["outputs"][1]["data"], json!([1, 0]));
		assert_eq!(v["outputs"][2]["data"][0], format!("0x{}", hex::encode([1u8; 32])));
		// The answer and its signature, as a client reads them back.
		let worker = v["parameters"]["worker"].as_str().unwrap();
		let worker: [u8; 32] = hex::decode(&worker[2..]).unwrap().try_into().unwrap();
		for (i, reply) in replies.iter().enumerate() {
			let answer = hex::decode(&v["outputs"][3]["data"][i].as_str().unwrap()[2..]).unwrap();
			let answer = <Answer as codec::Decode>::decode(&mut &answer[..]).unwrap();
			let signature =
				hex::decode(&v["outputs"][4]["data"][i].as_str().unwrap()[2..]).unwrap();
			let read = SignedAnswer {
				answer,
				worker: worker.into(),
				signature: signature.try_into().unwrap(),
			};
			assert!(read.verify(), "answer {i}'s signature");
			assert_eq!(read.answer, reply.answer);
			assert_eq!(read.worker, dropbear_api::account(&key()));
		}

		let binary: Vec<(&str, bool)> = vec![("label", true), ("input_hash", true)];
		let (body, length) = infer_response("digits", 3, None, &binary, &replies, &key());
		let n = length.unwrap();
		let head: Value = serde_json::from_slice(&body[..n]).unwrap();
		assert_eq!(head["outputs"][0]["parameters"]["binary_data_size"], 16);
		let data = &body[n..];
		assert_eq!(i64::from_le_bytes(data[..8].try_into().unwrap()), 1);
		assert_eq!(i64::from_le_bytes(data[8..16].try_into().unwrap()), 0);
		assert_eq!(u32::from_le_bytes(data[16..20].try_into().unwrap()), 66);
		assert_eq!(head["outputs"][1]["parameters"]["binary_data_size"], 2 * (4 + 66));
		assert_eq!(data.len(), 16 + 2 * 70);
	}
}
