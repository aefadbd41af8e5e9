//! Fuzzing the worker's doors with what an untrusted client or peer may
//! send: random bytes and random JSON-RPC requests (random methods, params
//! of any JSON shape, batches) as raw HTTP to its JSON-RPC server, and random
//! inputs straight into its input check. Every request must get an answer
//! (never a 5xx, never a hang), every answer with status 200 must be JSON,
//! and afterwards the worker must still take a good input and be healthy.
//!
//! CI runs a short campaign; `scripts/fuzz.sh` a long one (`DROPBEAR_FUZZ_CASES`).

mod common;

use common::worker;
use dropbear_api::worker_rpc::{InputBytes, WorkerApiClient};
use proptest::prelude::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn cases() -> u32 {
	std::env::var("DROPBEAR_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

/// Any JSON value, a few levels deep, with strings that are sometimes hex.
fn json() -> impl Strategy<Value = serde_json::Value> {
	use serde_json::Value;
	let leaf = prop_oneof![
		Just(Value::Null),
		any::<bool>().prop_map(Value::Bool),
		any::<i64>().prop_map(Value::from),
		any::<f64>()
			.prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
		".{0,12}".prop_map(Value::String),
		proptest::collection::vec(any::<u8>(), 0..40)
			.prop_map(|b| Value::String(format!("0x{}", hex::encode(b)))),
	];
	leaf.prop_recursive(3, 24, 6, |inner| {
		prop_oneof![
			proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
			proptest::collection::btree_map(".{0,8}", inner, 0..6)
				.prop_map(|m| Value::Object(m.into_iter().collect())),
		]
	})
}

/// A JSON-RPC request (or not quite one).
fn request() -> impl Strategy<Value = serde_json::Value> {
	let method = prop_oneof![
		Just("worker_submitInput".to_string()),
		Just("worker_health".to_string()),
		Just("worker_info".to_string()),
		".{0,20}",
	];
	(method, json(), json(), any::<bool>()).prop_map(|(method, params, id, v2)| {
		serde_json::json!({
			"jsonrpc": if v2 { "2.0" } else { "1.0" },
			"method": method,
			"params": params,
			"id": id,
		})
	})
}

/// A body to POST: random bytes, one request, or a batch of them.
fn body() -> impl Strategy<Value = Vec<u8>> {
	prop_oneof![
		proptest::collection::vec(any::<u8>(), 0..2048),
		request().prop_map(|r| serde_json::to_vec(&r).unwrap_or_default()),
		proptest::collection::vec(request(), 0..8)
			.prop_map(|b| serde_json::to_vec(&b).unwrap_or_default()),
	]
}

/// POST `body` to `addr` over a fresh connection: the status and the body.
async fn post(addr: &str, body: &[u8]) -> (u16, Vec<u8>) {
	let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
	let head = format!(
		"POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
		body.len()
	);
	stream.write_all(head.as_bytes()).await.unwrap();
	stream.write_all(body).await.unwrap();
	let mut answer = Vec::new();
	tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
		.await
		.expect("the worker answered within 10 s")
		.unwrap();
	let text = String::from_utf8_lossy(&answer);
	let status = text
		.split_whitespace()
		.nth(1)
		.and_then(|s| s.parse().ok())
		.unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
	let split = answer.windows(4).position(|w| w == b"\r\n\r\n").map_or(answer.len(), |p| p + 4);
	(status, answer[split..].to_vec())
}

#[test]
fn random_requests_get_answers_and_leave_the_worker_serving() {
	let rt = tokio::runtime::Runtime::new().unwrap();
	let (core, url, _server) = rt.block_on(worker(Duration::ZERO, 64));
	let addr = url.trim_start_matches("http://").to_string();
	let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
		cases: cases(),
		..ProptestConfig::default()
	});
	let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
	let seen = std::cell::RefCell::new(&mut statuses);
	runner
		.run(&body(), |body| {
			let (status, answer) = rt.block_on(post(&addr, &body));
			prop_assert!(status < 500, "status {status} for {:?}", String::from_utf8_lossy(&body));
			if status == 200 && !answer.is_empty() {
				// A chunked answer carries its length lines around the JSON.
				let text = String::from_utf8_lossy(&answer);
				let json = text.find(['{', '[']).map(|i| &text[i..]).unwrap_or_default();
				let json = json.rfind(['}', ']']).map(|i| &json[..=i]).unwrap_or_default();
				prop_assert!(
					serde_json::from_str::<serde_json::Value>(json).is_ok(),
					"status 200 without JSON: {text:?}"
				);
			}
			*seen.borrow_mut().entry(status).or_default() += 1;
			Ok(())
		})
		.unwrap();
	println!("fuzz: {} requests to the worker's JSON-RPC; HTTP statuses {statuses:?}", cases());

	// Still serving: a good input is taken, and the worker is healthy.
	rt.block_on(async {
		let client = jsonrpsee::http_client::HttpClientBuilder::default().build(&url).unwrap();
		client.submit_input(0, InputBytes(vec![5, 1, 2, 3])).await.unwrap();
		assert!(client.health().await.unwrap().ready);
	});
	drop(core);
}

#[test]
fn random_inputs_are_taken_only_when_they_fit_the_spec() {
	let rt = tokio::runtime::Runtime::new().unwrap();
	let (core, _url, _server) = rt.block_on(worker(Duration::ZERO, 64));
	let _guard = rt.enter();
	let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
		cases: cases() * 4,
		..ProptestConfig::default()
	});
	let strategy = (0u32..3, proptest::collection::vec(any::<u8>(), 0..16), any::<bool>());
	runner
		.run(&strategy, |(group, bytes, from_peer)| {
			let fits = group == 0 && bytes.len() == 4;
			let taken = core.accept(group, bytes.clone(), from_peer);
			prop_assert_eq!(taken.is_ok(), fits, "group {} bytes {:?}: {:?}", group, bytes, taken);
			if let Ok(hash) = taken {
				prop_assert_eq!(hash, dropbear_worker::inputs::input_hash(&bytes));
				prop_assert!(core.store.get(&hash).is_some());
			}
			Ok(())
		})
		.unwrap();
}
