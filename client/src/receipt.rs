//! Quorum receipts: an input's answer vouched for by `q` members of its
//! group within milliseconds, before any request for it is ordered.
//!
//! A [`Fanout`] keeps one HTTP/2 connection to each member's worker and
//! sends every input to all of them at once over the Open Inference Protocol
//! (`POST /v2/models/{name}/infer`, the input in binary). Each worker answers
//! with its output signed by its worker key ([`SignedAnswer`]). As soon as
//! `q` members' answers agree, [`Fanout::receipt`] returns a
//! [`QuorumReceipt`]: the client can act on it at once, and order the
//! request for the certificate that follows.
//!
//! A receipt is checked ([`QuorumReceipt::check`]) against the group as it
//! stood at a finalized block ([`GroupAt`], which the receipt names): every
//! answer signed by the worker key the chain authorizes for its model, every
//! model a member, every answer for the receipt's group, input and output,
//! and `q` different members. The group comes out of a storage proof at that
//! block ([`GroupAt::proven`]), so a receipt saved with the proof
//! ([`ProvenReceipt`]) is checked by anyone, offline, against a trusted
//! checkpoint. A member that signs one output and votes another for the same
//! input and version has lied, provably.

use crate::{
	records, runtime,
	verify::{self, ProvenState, VerifyError},
	AccountId, BlockNumber, Checkpoint, Client, Digest, GroupId, ModelId, Output, StateProof,
};
use anyhow::{anyhow, bail, Context, Result};
use dropbear_api::{answer::SignedAnswer, proven, Answer, DType, InputSpec};
use dropbear_primitives::hex32;
use futures::{stream::FuturesUnordered, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::{
	client::legacy::{connect::HttpConnector, Client as HttpClient},
	rt::TokioExecutor,
};
use serde::{Deserialize, Serialize};
use std::{
	collections::BTreeMap,
	time::{Duration, Instant},
};

/// A member of a group at a block, with the worker key that signs for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberKey {
	pub model: ModelId,
	/// The model's name on chain (the Open Inference Protocol's model name).
	pub name: String,
	/// Its worker key (`None`: no worker authorized).
	pub worker: Option<AccountId>,
}

/// A group as it stood at a finalized block: what receipts are checked against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupAt {
	/// The chain's genesis hash, which every answer must name.
	#[serde(with = "hex32")]
	pub genesis_hash: Digest,
	pub group: GroupId,
	pub block: BlockNumber,
	#[serde(with = "hex32")]
	pub block_hash: Digest,
	pub quorum: u32,
	pub input: InputSpec,
	pub members: Vec<MemberKey>,
}

impl GroupAt {
	/// `group` at block `at`, or at the finalized head.
	pub async fn read(client: &Client, group: GroupId, at: Option<Digest>) -> Result<Self> {
		let block = client.chain.at(at.map(Into::into)).await?;
		let hash = block.block_hash();
		let record = client
			.chain
			.group(Some(hash), group)
			.await?
			.ok_or_else(|| anyhow!("group {group} does not exist at block {hash:?}"))?;
		let mut members = Vec::new();
		for member in &record.members.0 {
			let model = client.chain.model(Some(hash), member.model).await?.ok_or_else(|| {
				anyhow!("model {} of group {group} is not registered", member.model)
			})?;
			members.push(MemberKey {
				model: member.model,
				name: String::from_utf8_lossy(&model.name.0).into_owned(),
				worker: model.worker,
			});
		}
		Ok(Self {
			genesis_hash: client.chain.genesis_hash(),
			group,
			block: block.block_number() as BlockNumber,
			block_hash: hash.0,
			quorum: record.quorum,
			input: record.input.0,
			members,
		})
	}
}

impl GroupAt {
	/// `group` at the newest GRANDPA-justified block the node has seen, read
	/// out of a storage proof (`inference_stateProof`) of its record and its
	/// members' model records, with the set changes since set `since_set`:
	/// the proof makes a receipt checked against this group checkable
	/// offline ([`ProvenReceipt`]). The proof is opened here against the
	/// header the node sent, without checking finality (that needs a
	/// checkpoint: [`ProvenReceipt::verify`]).
	pub async fn proven(
		client: &Client,
		group: GroupId,
		since_set: u64,
	) -> Result<(Self, StateProof)> {
		let mut keys = vec![group_key(group)?];
		// The members are known only from the group's record, which the first
		// proof brings; the justified block may move on between two calls
		// and the members with it, hence a few tries.
		for _ in 0..4 {
			let proof = client.state_proof(&keys, since_set).await?;
			let state =
				verify::state_as_served(&proof).context("the node's state proof does not open")?;
			let record = read_group(&state, group)?;
			let wanted = registry_keys(group, &record)?;
			if wanted.iter().all(|k| keys.contains(k)) {
				let at = Self::from_state(group, proof.genesis_hash.0, &state)?;
				return Ok((at, proof));
			}
			keys = wanted;
		}
		bail!("group {group}'s members changed under every proof asked for: try again")
	}

	/// `group` as the proven `state` holds it, on the chain of `genesis_hash`.
	pub fn from_state(
		group: GroupId,
		genesis_hash: Digest,
		state: &ProvenState,
	) -> Result<Self, VerifyError> {
		let record = read_group(state, group)?;
		let models = runtime::storage().models().models();
		let keys = registry_keys(group, &record)?;
		let values = state.read(&keys[1..])?;
		let mut members = Vec::new();
		for (member, value) in record.members.0.iter().zip(values) {
			let value = value.ok_or_else(|| {
				VerifyError::StorageProof(format!(
					"model {} of group {group} is not registered at #{}",
					member.model, state.block_number
				))
			})?;
			let model = proven::decode_value(&models, &value)
				.map_err(|e| VerifyError::StorageProof(e.to_string()))?;
			members.push(MemberKey {
				model: member.model,
				name: String::from_utf8_lossy(&model.name.0).into_owned(),
				worker: model.worker,
			});
		}
		Ok(Self {
			genesis_hash,
			group,
			block: state.block_number,
			block_hash: state.block_hash.0,
			quorum: record.quorum,
			input: record.input.0,
			members,
		})
	}
}

/// The storage key of `Models::Groups(group)`.
fn group_key(group: GroupId) -> Result<Vec<u8>, VerifyError> {
	proven::storage_key(&runtime::storage().models().groups(), (group,))
		.map_err(|e| VerifyError::StorageProof(e.to_string()))
}

/// What a group's proof covers: its record, then each member's model record.
fn registry_keys(group: GroupId, record: &records::Group) -> Result<Vec<Vec<u8>>, VerifyError> {
	let models = runtime::storage().models().models();
	let mut keys = vec![group_key(group)?];
	for member in &record.members.0 {
		keys.push(
			proven::storage_key(&models, (member.model,))
				.map_err(|e| VerifyError::StorageProof(e.to_string()))?,
		);
	}
	Ok(keys)
}

fn read_group(state: &ProvenState, group: GroupId) -> Result<records::Group, VerifyError> {
	let groups = runtime::storage().models().groups();
	let value = state.read(&[group_key(group)?])?.pop().flatten().ok_or_else(|| {
		VerifyError::StorageProof(format!(
			"group {group} does not exist at block #{}",
			state.block_number
		))
	})?;
	proven::decode_value(&groups, &value).map_err(|e| VerifyError::StorageProof(e.to_string()))
}

/// A quorum receipt with the proof of the group it was checked against:
/// what a client keeps to show anyone, offline, that `q` members vouched
/// for an answer. `dropbear infer --fast --save` writes it; `dropbear
/// verify` checks it against a trusted checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvenReceipt {
	pub receipt: QuorumReceipt,
	/// `Models::Groups(group)` and the members' `Models` entries at the
	/// receipt's block, with that block's finality proof.
	pub group_proof: StateProof,
}

/// Why a proven receipt does not hold.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProvenReceiptError {
	#[error("the group's proof: {0}")]
	Group(#[from] VerifyError),
	#[error("the receipt: {0}")]
	Receipt(#[from] ReceiptError),
}

impl ProvenReceipt {
	/// Check against a trusted `checkpoint`, with no node: the group proof
	/// shows the group at a finalized block of the checkpoint's chain (as
	/// [`verify::verify`] shows a certificate), and the receipt holds against
	/// that group. Returns the group.
	pub fn verify(&self, checkpoint: &Checkpoint) -> Result<GroupAt, ProvenReceiptError> {
		let state = verify::verify_state(&self.group_proof, checkpoint)?;
		let group = GroupAt::from_state(self.receipt.group, checkpoint.genesis_hash.0, &state)?;
		self.receipt.check(&group)?;
		Ok(group)
	}
}

/// `q` members' signed answers, all the same, for one input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuorumReceipt {
	pub group: GroupId,
	#[serde(with = "hex32")]
	pub input_hash: Digest,
	pub output: Output,
	pub quorum: u32,
	/// The finalized block whose group and worker keys the answers are checked against.
	pub block: BlockNumber,
	#[serde(with = "hex32")]
	pub block_hash: Digest,
	pub answers: Vec<SignedAnswer>,
}

/// Why a receipt does not hold.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
	#[error("the receipt is for group {receipt} at block 0x{}, the check is of group {group} at block 0x{}", hex::encode(.receipt_block), hex::encode(.block))]
	OtherState { receipt: GroupId, receipt_block: Digest, group: GroupId, block: Digest },
	#[error("the receipt's quorum is {receipt}; the group's is {group}")]
	OtherQuorum { receipt: u32, group: u32 },
	#[error("{got} members answered alike; the quorum is {quorum}")]
	TooFew { got: usize, quorum: u32 },
	#[error("model {0} answered twice")]
	Twice(ModelId),
	#[error("model {0} is not a member of the group")]
	NotMember(ModelId),
	#[error("the answer of model {0} is not signed by the model's worker key")]
	WrongKey(ModelId),
	#[error("the signature of model {0}'s answer is not valid")]
	BadSignature(ModelId),
	#[error("model {0} answered for another chain")]
	OtherChain(ModelId),
	#[error("model {0} answered for another group or input")]
	OtherInput(ModelId),
	#[error("model {model} answered {answered:?}, not {output:?}")]
	OtherOutput { model: ModelId, answered: Output, output: Output },
}

/// Check one member's signed answer against the group: a member, signed by
/// its worker key, validly.
fn check_answer(group: &GroupAt, signed: &SignedAnswer) -> Result<(), ReceiptError> {
	let model = signed.answer.model;
	let member =
		group.members.iter().find(|m| m.model == model).ok_or(ReceiptError::NotMember(model))?;
	if member.worker.as_ref() != Some(&signed.worker) {
		return Err(ReceiptError::WrongKey(model));
	}
	if signed.answer.genesis_hash != group.genesis_hash {
		return Err(ReceiptError::OtherChain(model));
	}
	if !signed.verify() {
		return Err(ReceiptError::BadSignature(model));
	}
	Ok(())
}

impl QuorumReceipt {
	/// Check the receipt against `group`, the group at the receipt's block.
	pub fn check(&self, group: &GroupAt) -> Result<(), ReceiptError> {
		if self.group != group.group || self.block_hash != group.block_hash {
			return Err(ReceiptError::OtherState {
				receipt: self.group,
				receipt_block: self.block_hash,
				group: group.group,
				block: group.block_hash,
			});
		}
		if self.quorum != group.quorum {
			return Err(ReceiptError::OtherQuorum { receipt: self.quorum, group: group.quorum });
		}
		let mut seen = Vec::new();
		for signed in &self.answers {
			let answer = &signed.answer;
			if seen.contains(&answer.model) {
				return Err(ReceiptError::Twice(answer.model));
			}
			seen.push(answer.model);
			check_answer(group, signed)?;
			if answer.group != self.group || answer.input_hash != self.input_hash {
				return Err(ReceiptError::OtherInput(answer.model));
			}
			if answer.output != self.output {
				return Err(ReceiptError::OtherOutput {
					model: answer.model,
					answered: answer.output.clone(),
					output: self.output.clone(),
				});
			}
		}
		if seen.len() < group.quorum as usize {
			return Err(ReceiptError::TooFew { got: seen.len(), quorum: group.quorum });
		}
		Ok(())
	}
}

/// Largest answer read from a worker.
const MAX_ANSWER: usize = 1 << 20;

/// How long a worker has to say which member it serves.
pub const CONNECT_PATIENCE: Duration = Duration::from_secs(10);

/// `name` as one URL path segment: unreserved characters as they are, every
/// other byte percent-encoded (a model's name on chain is any UTF-8).
fn path_segment(name: &str) -> String {
	name.bytes()
		.map(|b| match b {
			b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
				(b as char).to_string()
			}
			_ => format!("%{b:02X}"),
		})
		.collect()
}

/// One member's worker, reached over the Open Inference Protocol.
struct Endpoint {
	url: String,
	model: ModelId,
	infer: hyper::Uri,
}

/// One HTTP/2 connection to each member's worker; inputs go to all at once.
pub struct Fanout {
	/// The group the answers are checked against, at a justified block.
	pub group: GroupAt,
	/// Its proof, for [`Fanout::proven`].
	pub group_proof: StateProof,
	endpoints: Vec<Endpoint>,
	http: HttpClient<HttpConnector, Full<Bytes>>,
}

/// What [`Fanout::answers`] heard for one input.
#[derive(Debug)]
pub struct Answers {
	/// The input's hash: the id it is ordered by.
	pub input_hash: Digest,
	/// Each worker's (by its URL) checked signed answer, or why there is none.
	pub by_worker: Vec<(String, Result<SignedAnswer>)>,
}

/// What [`Fanout::deliver`] heard for one input.
#[derive(Debug)]
pub struct Delivered {
	/// The input's hash: the id it is ordered by.
	pub input_hash: Digest,
	/// For each worker (by its URL), nothing, or why it did not take the input.
	pub by_worker: Vec<(String, Result<()>)>,
}

/// A worker's answer as the protocol carries it.
#[derive(Deserialize)]
struct InferResponse {
	outputs: Vec<OutputTensor>,
	#[serde(default)]
	parameters: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct OutputTensor {
	name: String,
	#[serde(default)]
	data: Vec<serde_json::Value>,
}

fn hex_bytes(value: Option<&serde_json::Value>, what: &str) -> Result<Vec<u8>> {
	let text = value.and_then(|v| v.as_str()).ok_or_else(|| anyhow!("no {what} in the answer"))?;
	hex::decode(text.trim_start_matches("0x")).with_context(|| format!("the {what} is not hex"))
}

impl Fanout {
	/// The group at the newest justified block, proven ([`GroupAt::proven`],
	/// with the set changes since genesis), and the worker at each of `urls`
	/// (`http://HOST:PORT`): each must serve a member of the group, as its
	/// server metadata says (`parameters.model_id` and `group`), within
	/// [`CONNECT_PATIENCE`].
	pub async fn connect(client: &Client, group: GroupId, urls: &[String]) -> Result<Self> {
		let (group, group_proof) = GroupAt::proven(client, group, 0).await?;
		let http = HttpClient::builder(TokioExecutor::new())
			.http2_only(true)
			.pool_idle_timeout(Duration::from_secs(300))
			.build_http();
		let mut endpoints = Vec::new();
		for url in urls {
			let base = url.trim_end_matches('/');
			let uri: hyper::Uri = format!("{base}/v2")
				.parse()
				.with_context(|| format!("{url} is not an http://HOST:PORT address"))?;
			let metadata = tokio::time::timeout(CONNECT_PATIENCE, async {
				let response = http.get(uri).await?;
				let status = response.status();
				let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER)
					.collect()
					.await
					.map_err(|e| anyhow!("reading the server metadata: {e}"))?
					.to_bytes();
				if !status.is_success() {
					bail!("server metadata: {status}");
				}
				Ok(serde_json::from_slice::<serde_json::Value>(&body)?)
			})
			.await
			.map_err(|_| anyhow!("no answer in {CONNECT_PATIENCE:?}"))
			.and_then(|r| r)
			.with_context(|| format!("the worker at {url} (HTTP/2)"))?;
			let served = &metadata["parameters"];
			let (Some(model), Some(serves)) =
				(served["model_id"].as_u64(), served["group"].as_u64())
			else {
				bail!("the server at {url} names no model and group: not a Dropbear worker");
			};
			let member = group.members.iter().find(|m| u64::from(m.model) == model);
			let (Some(member), true) = (member, serves == u64::from(group.group)) else {
				bail!(
					"the worker at {url} serves model {model} of group {serves}, no member of group {}",
					group.group
				);
			};
			let infer = format!("{base}/v2/models/{}/infer", path_segment(&member.name)).parse()?;
			endpoints.push(Endpoint { url: url.clone(), model: member.model, infer });
		}
		if endpoints.is_empty() {
			bail!("no worker address given for group {} (--http URL)", group.group);
		}
		Ok(Self { group, group_proof, endpoints, http })
	}

	/// `receipt` (one of this fanout's) with the proof of the group it was
	/// checked against, for anyone to check offline.
	pub fn proven(&self, receipt: QuorumReceipt) -> ProvenReceipt {
		ProvenReceipt { receipt, group_proof: self.group_proof.clone() }
	}

	/// The infer request for one input: the input in binary, the `outputs`
	/// asked for as JSON.
	fn request_body(&self, bytes: &[u8], outputs: &[&str]) -> Result<Bytes> {
		let spec = &self.group.input;
		let mut shape = vec![1u32];
		shape.extend(spec.shape.iter());
		let datatype = match spec.dtype {
			DType::U8 => "UINT8",
			DType::F32 => "FP32",
		};
		// Every member gets the input from here: none need gossip it.
		let head = serde_json::json!({
			"parameters": { "fanout": true },
			"inputs": [{
				"name": "input", "datatype": datatype, "shape": shape,
				"parameters": { "binary_data_size": bytes.len() },
			}],
			"outputs": outputs.iter().map(|name| serde_json::json!({ "name": name })).collect::<Vec<_>>(),
		})
		.to_string();
		let mut body = Vec::with_capacity(head.len() + bytes.len());
		body.extend_from_slice(head.as_bytes());
		body.extend_from_slice(bytes);
		// One buffer shared by the requests to every member.
		Ok(Bytes::from(body))
	}

	/// Send one input to one member; its signed answer. The future owns
	/// what it needs, so that it can finish after the caller stops waiting.
	fn ask(
		&self,
		endpoint: &Endpoint,
		body: Bytes,
		head_len: usize,
	) -> impl std::future::Future<Output = Result<SignedAnswer>> + Send + 'static {
		let (http, infer) = (self.http.clone(), endpoint.infer.clone());
		async move { Self::asked(http, infer, body, head_len).await }
	}

	/// Post one infer request; the worker's response, or its error.
	async fn post(
		http: HttpClient<HttpConnector, Full<Bytes>>,
		infer: hyper::Uri,
		body: Bytes,
		head_len: usize,
	) -> Result<InferResponse> {
		let request = hyper::Request::post(infer)
			.header("content-type", "application/octet-stream")
			.header("inference-header-content-length", head_len)
			.body(Full::new(body))?;
		let response = http.request(request).await?;
		let status = response.status();
		// An answer for one input is a few hundred bytes; a worker sending
		// more is cut off.
		let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER)
			.collect()
			.await
			.map_err(|e| anyhow!("reading the answer: {e}"))?
			.to_bytes();
		if !status.is_success() {
			let message = serde_json::from_slice::<serde_json::Value>(&body)
				.ok()
				.and_then(|v| v["error"].as_str().map(String::from))
				.unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
			bail!("{status}: {message}");
		}
		serde_json::from_slice(&body).context("the answer is not an infer response")
	}

	async fn asked(
		http: HttpClient<HttpConnector, Full<Bytes>>,
		infer: hyper::Uri,
		body: Bytes,
		head_len: usize,
	) -> Result<SignedAnswer> {
		Self::signed_answer(&Self::post(http, infer, body, head_len).await?)
	}

	/// The signed answer in a worker's response, not yet checked.
	fn signed_answer(parsed: &InferResponse) -> Result<SignedAnswer> {
		let tensor = |name: &str| {
			parsed.outputs.iter().find(|o| o.name == name).and_then(|o| o.data.first())
		};
		let answer = hex_bytes(tensor("answer"), "answer")?;
		let answer = <Answer as codec::Decode>::decode(&mut &answer[..])
			.context("the answer does not decode")?;
		let signature = hex_bytes(tensor("signature"), "signature")?
			.try_into()
			.map_err(|_| anyhow!("a signature is 64 bytes"))?;
		let worker: [u8; 32] = hex_bytes(parsed.parameters.get("worker"), "worker key")?
			.try_into()
			.map_err(|_| anyhow!("a worker key is 32 bytes"))?;
		Ok(SignedAnswer { answer, worker: worker.into(), signature })
	}

	/// A member's answer for `input_hash`, checked against the group: signed
	/// by its worker key, for its own model, the group and the input.
	fn checked(
		&self,
		endpoint: &Endpoint,
		answered: Result<SignedAnswer>,
		input_hash: Digest,
	) -> Result<SignedAnswer> {
		let signed = answered?;
		check_answer(&self.group, &signed)?;
		if signed.answer.model != endpoint.model
			|| signed.answer.input_hash != input_hash
			|| signed.answer.group != self.group.group
		{
			bail!("it answered for another model, group or input");
		}
		Ok(signed)
	}

	/// Send `bytes` to every member at once, asking for `outputs`, and wait
	/// for every response: the input's hash, and for each worker (by its
	/// URL) what `read` makes of its response, or why there is none.
	async fn fan_out<T>(
		&self,
		bytes: &[u8],
		input_hash: Digest,
		outputs: &[&str],
		patience: Duration,
		read: impl Fn(&Endpoint, &InferResponse, Digest) -> Result<T>,
	) -> (Digest, Vec<(String, Result<T>)>) {
		let body = match self.request_body(bytes, outputs) {
			Ok(body) => body,
			Err(e) => {
				let e = format!("{e:#}");
				let by_worker =
					self.endpoints.iter().map(|p| (p.url.clone(), Err(anyhow!("{e}")))).collect();
				return (input_hash, by_worker);
			}
		};
		let head_len = body.len() - bytes.len();
		let read = &read;
		let sent = self.endpoints.iter().map(|endpoint| {
			let post =
				Self::post(self.http.clone(), endpoint.infer.clone(), body.clone(), head_len);
			async move {
				let read = match tokio::time::timeout(patience, post).await {
					Err(_) => Err(anyhow!("no answer in {patience:?}")),
					Ok(response) => response.and_then(|r| read(endpoint, &r, input_hash)),
				};
				(endpoint.url.clone(), read)
			}
		});
		(input_hash, futures::future::join_all(sent).await)
	}

	/// Send `bytes` to every member at once and wait for every answer: the
	/// input's hash, and each worker's (by its URL) checked signed answer or
	/// why there is none. What a client keeps to prove a lie later
	/// ([`crate::lies`]), whichever members turn out to vote otherwise.
	pub async fn answers(&self, bytes: &[u8], patience: Duration) -> Answers {
		let outputs = ["answer", "signature"];
		// Hashed once here, for the checks and the caller (150 KB of blake2
		// for an ImageNet image).
		let (input_hash, by_worker) = self
			.fan_out(
				bytes,
				crate::input_hash(bytes),
				&outputs,
				patience,
				|endpoint, response, input_hash| {
					self.checked(endpoint, Self::signed_answer(response), input_hash)
				},
			)
			.await;
		Answers { input_hash, by_worker }
	}

	/// Hand `bytes` to every member at once and wait until each has answered
	/// (a worker answers once it has taken the input and run it): the
	/// input's hash, and for each worker (by its URL) nothing or why it did
	/// not take the input. For a client that orders the input on
	/// chain and waits for its certificate rather than for the members'
	/// answers: each worker's response is read only for the input hash it
	/// names, which must be this input's. The signed answers are not asked
	/// for, so not checked (perf: four signature checks took a client more
	/// than hashing a 150 KB image); [`Fanout::answers`] gets and checks them.
	pub async fn deliver(&self, bytes: &[u8], patience: Duration) -> Delivered {
		self.deliver_hashed(bytes, crate::input_hash(bytes), patience).await
	}

	/// [`Fanout::deliver`] of an input already hashed: `input_hash` is its
	/// [`crate::input_hash`], as [`crate::input_hashes`] gives it for
	/// several inputs at once (hashing each alone was the largest single
	/// cost of a client sending ImageNet images in the data-plane
	/// benchmark). A wrong hash fails every member's check ("it took
	/// another input").
	pub async fn deliver_hashed(
		&self,
		bytes: &[u8],
		input_hash: Digest,
		patience: Duration,
	) -> Delivered {
		let (input_hash, by_worker) = self
			.fan_out(bytes, input_hash, &["input_hash"], patience, |_, response, input_hash| {
				let named = response
					.outputs
					.iter()
					.find(|o| o.name == "input_hash")
					.and_then(|o| o.data.first())
					.and_then(|v| v.as_str());
				match named {
					Some(named) if named == format!("0x{}", hex::encode(input_hash)) => Ok(()),
					Some(named) => Err(anyhow!("it took another input ({named})")),
					None => Err(anyhow!("no input_hash in the answer")),
				}
			})
			.await;
		Delivered { input_hash, by_worker }
	}

	/// Send `bytes` to every member at once and return a receipt as soon as
	/// `q` members' checked answers agree; answers that fail their check are
	/// left out (and logged). An error when no output can reach the quorum
	/// any more, or after `patience`.
	pub async fn receipt(&self, bytes: &[u8], patience: Duration) -> Result<QuorumReceipt> {
		let input_hash = crate::input_hash(bytes);
		let body = self.request_body(bytes, &["answer", "signature"])?;
		let head_len = body.len() - bytes.len();
		let deadline = Instant::now() + patience;
		let mut asked: FuturesUnordered<_> = self
			.endpoints
			.iter()
			.enumerate()
			.map(|(i, e)| {
				let ask = self.ask(e, body.clone(), head_len);
				async move { (i, ask.await) }
			})
			.collect();
		let quorum = self.group.quorum as usize;
		let mut by_output: BTreeMap<Output, Vec<SignedAnswer>> = BTreeMap::new();
		let mut failures = Vec::new();
		let mut left = self.endpoints.len();
		while left > 0 {
			let next = tokio::time::timeout_at(deadline.into(), asked.next()).await;
			let Ok(Some((i, answered))) = next else {
				bail!("no quorum for input 0x{} in {patience:?}", hex::encode(input_hash));
			};
			let Some(endpoint) = self.endpoints.get(i) else { continue };
			left -= 1;
			let signed = match self.checked(endpoint, answered, input_hash) {
				Ok(signed) => signed,
				Err(e) => {
					tracing::warn!(target: "dropbear::receipt", "worker {}: {e:#}", endpoint.url);
					failures.push(format!("{}: {e:#}", endpoint.url));
					continue;
				}
			};
			let agreeing = by_output.entry(signed.answer.output.clone()).or_default();
			if !agreeing.iter().any(|a| a.answer.model == signed.answer.model) {
				agreeing.push(signed);
			}
			if let Some((output, answers)) = by_output.iter().find(|(_, a)| a.len() >= quorum) {
				// The slower members still get the input whole (none
				// gossips it): their requests run on without a waiter.
				tokio::spawn(async move { while asked.next().await.is_some() {} });
				return Ok(QuorumReceipt {
					group: self.group.group,
					input_hash,
					output: output.clone(),
					quorum: self.group.quorum,
					block: self.group.block,
					block_hash: self.group.block_hash,
					answers: answers.clone(),
				});
			}
			let best = by_output.values().map(Vec::len).max().unwrap_or(0);
			if best + left < quorum {
				break;
			}
		}
		bail!(
			"no quorum of {quorum} for input 0x{}: answers {:?}{}",
			hex::encode(input_hash),
			by_output.iter().map(|(o, a)| (o, a.len())).collect::<Vec<_>>(),
			if failures.is_empty() {
				String::new()
			} else {
				format!("; failed: {}", failures.join("; "))
			}
		)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use dropbear_api::keys::signer;

	fn group() -> GroupAt {
		let key = |n: &str| Some(crate::account(&signer(&format!("//{n}-worker")).unwrap()));
		GroupAt {
			genesis_hash: [5; 32],
			group: 0,
			block: 7,
			block_hash: [7; 32],
			quorum: 2,
			input: InputSpec { dtype: DType::U8, shape: vec![4].try_into().unwrap() },
			members: ["Alice", "Bob", "Charlie"]
				.iter()
				.enumerate()
				.map(|(i, n)| MemberKey {
					model: i as ModelId,
					name: n.to_string(),
					worker: key(n),
				})
				.collect(),
		}
	}

	fn answer(model: ModelId, key: &str, output: u32) -> SignedAnswer {
		let answer = Answer {
			genesis_hash: [5; 32],
			group: 0,
			input_hash: [1; 32],
			model,
			version: 1,
			output: Output::Label(output),
		};
		SignedAnswer::sign(answer, &signer(&format!("//{key}-worker")).unwrap())
	}

	fn receipt(answers: Vec<SignedAnswer>) -> QuorumReceipt {
		QuorumReceipt {
			group: 0,
			input_hash: [1; 32],
			output: Output::Label(3),
			quorum: 2,
			block: 7,
			block_hash: [7; 32],
			answers,
		}
	}

	#[test]
	fn a_model_name_is_one_path_segment() {
		assert_eq!(path_segment("digits-mlp_v2.1~x"), "digits-mlp_v2.1~x");
		assert_eq!(path_segment("a b/c?d%é"), "a%20b%2Fc%3Fd%25%C3%A9");
	}

	#[test]
	fn a_receipt_holds_with_a_quorum_of_members_signing_the_same_answer() {
		let good = receipt(vec![answer(0, "Alice", 3), answer(1, "Bob", 3)]);
		assert_eq!(good.check(&group()), Ok(()));
		let json = serde_json::to_string(&good).unwrap();
		assert_eq!(serde_json::from_str::<QuorumReceipt>(&json).unwrap(), good);
	}

	#[test]
	fn a_receipt_that_does_not_hold_says_why() {
		let g = group();
		let check = |answers| receipt(answers).check(&g);
		assert_eq!(
			check(vec![answer(0, "Alice", 3)]),
			Err(ReceiptError::TooFew { got: 1, quorum: 2 })
		);
		assert_eq!(
			check(vec![answer(0, "Alice", 3), answer(0, "Alice", 3)]),
			Err(ReceiptError::Twice(0))
		);
		// Bob's key signing for Alice's model.
		assert_eq!(
			check(vec![answer(0, "Bob", 3), answer(1, "Bob", 3)]),
			Err(ReceiptError::WrongKey(0))
		);
		assert_eq!(
			check(vec![answer(0, "Alice", 3), answer(9, "Dave", 3)]),
			Err(ReceiptError::NotMember(9))
		);
		let mut forged = answer(1, "Bob", 4);
		forged.answer.output = Output::Label(3);
		assert_eq!(check(vec![answer(0, "Alice", 3), forged]), Err(ReceiptError::BadSignature(1)));
		assert!(matches!(
			check(vec![answer(0, "Alice", 3), answer(1, "Bob", 4)]),
			Err(ReceiptError::OtherOutput { model: 1, .. })
		));
		let mut other_chain = g.clone();
		other_chain.genesis_hash = [6; 32];
		assert_eq!(
			receipt(vec![answer(0, "Alice", 3), answer(1, "Bob", 3)]).check(&other_chain),
			Err(ReceiptError::OtherChain(0))
		);
		let mut other_block = g.clone();
		other_block.block_hash = [8; 32];
		assert!(matches!(
			receipt(vec![answer(0, "Alice", 3), answer(1, "Bob", 3)]).check(&other_block),
			Err(ReceiptError::OtherState { .. })
		));
	}
}
