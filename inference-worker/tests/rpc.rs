//! The worker's JSON-RPC over a real socket: inputs checked against the
//! group's spec with clear errors, accepted inputs named by their hash and
//! scored at once (speculation), and "overloaded" when the queue is full.

mod common;

use common::{worker, WEIGHTS};
use dropbear_api::worker_rpc::{InputBytes, WorkerApiClient};
use dropbear_primitives::Output;
use dropbear_worker::inputs::input_hash;
use jsonrpsee::{core::client::ClientT, http_client::HttpClientBuilder, rpc_params};
use std::time::Duration;

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
