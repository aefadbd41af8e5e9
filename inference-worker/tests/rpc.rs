//! The worker's JSON-RPC over a real socket: inputs checked against the
//! group's spec with clear errors, accepted inputs named by their hash and
//! scored at once (speculation), and "overloaded" when the queue is full.

use dropbear_api::worker_rpc::{InputBytes, WorkerApiClient};
use dropbear_primitives::{AgreementPolicy, DType, InputSpec, Output};
use dropbear_worker::{
	backend::{Backend, BackendError},
	batcher::{BatchConfig, Batcher},
	core::{Core, GroupTerms},
	inputs::input_hash,
	metrics::Metrics,
	rpc,
};
use jsonrpsee::{core::client::ClientT, http_client::HttpClientBuilder, rpc_params};
use std::time::Duration;

/// Scores class `first byte % 10` highest; sleeps to keep the queue full.
struct FirstByte(Duration);
impl Backend for FirstByte {
	fn infer(&mut self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>, BackendError> {
		std::thread::sleep(self.0);
		Ok(inputs
			.iter()
			.map(|i| (0..10).map(|c| if c == usize::from(i[0] % 10) { 1.0 } else { 0.0 }).collect())
			.collect())
	}
	fn health(&mut self) -> Result<(), BackendError> {
		Ok(())
	}
	fn device(&self) -> String {
		"test".into()
	}
}

/// The digest the test model's weights go by.
const WEIGHTS: [u8; 32] = [0xab; 32];

async fn worker(
	work: Duration,
	queue: usize,
) -> (std::sync::Arc<Core>, String, jsonrpsee::server::ServerHandle) {
	let terms = GroupTerms {
		group: 0,
		input: InputSpec { dtype: DType::U8, shape: vec![4].try_into().unwrap() },
		policy: AgreementPolicy::Top1,
		classes: 10,
	};
	let core = Core::new(terms, 64, Metrics::unregistered());
	let config = BatchConfig { max_batch: 1, max_wait: Duration::ZERO, queue };
	core.add_model(WEIGHTS, 1, Batcher::start(FirstByte(work), config, core.metrics.clone()));
	core.set_current(1, WEIGHTS);
	let facts = rpc::Facts { model: 7, device: "test".into(), torch: "none".into() };
	let (addr, handle) =
		rpc::start("127.0.0.1:0".parse().unwrap(), core.clone(), facts).await.unwrap();
	(core, format!("http://{addr}"), handle)
}

#[tokio::test]
async fn inputs_are_checked_named_by_hash_and_scored_at_once() {
	let (core, url, _server) = worker(Duration::ZERO, 16).await;
	let client = HttpClientBuilder::default().build(&url).unwrap();

	let hash = client.submit_input(0, InputBytes(vec![3, 0, 0, 0])).await.unwrap();
	assert_eq!(hash.0, input_hash(&[3, 0, 0, 0]));
	// Scored speculatively: ready for the batch that orders it.
	let digest = hash.0;
	let outputs = tokio::time::timeout(Duration::from_secs(5), core.outputs(&WEIGHTS, &[digest]))
		.await
		.unwrap()
		.unwrap();
	assert_eq!(outputs, vec![Output::Label(3)]);

	let err = client.submit_input(0, InputBytes(vec![1, 2])).await.unwrap_err();
	assert!(
		err.to_string().contains("input has 2 bytes; the group's input spec (U8[4]) needs 4"),
		"{err}"
	);
	let err = client.submit_input(5, InputBytes(vec![1, 2, 3, 4])).await.unwrap_err();
	assert!(err.to_string().contains("this worker serves group 0"), "{err}");
	// Malformed on the wire: the typed client cannot send it, a raw request can.
	let err = client
		.request::<String, _>("worker_submitInput", rpc_params![0, "0xzz"])
		.await
		.unwrap_err();
	assert!(err.to_string().contains("not hex"), "{err}");

	let info = client.info().await.unwrap();
	assert_eq!(info.model, 7);
	assert_eq!(info.input, "U8[4]");
	let health = client.health().await.unwrap();
	assert!(health.ready, "{health:?}");
}

#[tokio::test]
async fn a_full_queue_answers_overloaded() {
	let (_core, url, _server) = worker(Duration::from_millis(500), 1).await;
	let client = HttpClientBuilder::default().build(&url).unwrap();
	let mut overloaded = false;
	for i in 0..5u8 {
		match client.submit_input(0, InputBytes(vec![i, 0, 0, 0])).await {
			Ok(_) => {}
			Err(e) => {
				assert!(e.to_string().contains("overloaded"), "{e}");
				overloaded = true;
			}
		}
	}
	assert!(overloaded, "five inputs into a one-slot queue of a slow model");
}

#[tokio::test]
async fn an_input_nobody_has_is_voted_unavailable_and_its_batch_mates_are_answered() {
	let (core, url, _server) = worker(Duration::ZERO, 16).await;
	let client = HttpClientBuilder::default().build(&url).unwrap();
	let known = client.submit_input(0, InputBytes(vec![6, 0, 0, 0])).await.unwrap().0;
	let unknown = input_hash(&[9, 9, 9, 9]);
	let started = std::time::Instant::now();
	let outputs = core.outputs(&WEIGHTS, &[known, unknown]).await.unwrap();
	assert_eq!(outputs, vec![Output::Label(6), Output::Unavailable]);
	// It looked for the input as long as it promises, and no longer.
	let waited = started.elapsed();
	assert!(waited >= dropbear_worker::core::INPUT_PATIENCE, "{waited:?}");
	assert_eq!(core.metrics.inputs_unavailable.get(), 1);
}
