//! Shared by the worker's tests: where `scripts/make_models.py` put its output.

#![allow(dead_code)]

use dropbear_primitives::{AgreementPolicy, DType, InputSpec};
use dropbear_worker::{
	backend::{Backend, BackendError},
	batcher::{BatchConfig, Batcher},
	core::{Core, GroupTerms},
	metrics::Metrics,
	rpc,
};
use std::{path::PathBuf, time::Duration};

pub fn models_dir() -> PathBuf {
	std::env::var_os("DROPBEAR_MODELS").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/dropbear-models")
	})
}

pub fn manifest() -> serde_json::Value {
	let path = models_dir().join("manifest.json");
	let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
		panic!(
			"{} is missing ({e}); run scripts/setup.sh (it runs scripts/make_models.py)",
			path.display()
		)
	});
	serde_json::from_str(&text).expect("manifest.json is JSON")
}

/// The held-out digits: (inputs as f32 LE bytes, one per image; labels).
pub fn test_set() -> (Vec<Vec<u8>>, Vec<u8>) {
	let dir = models_dir();
	let inputs = std::fs::read(dir.join("digits-test.bin")).expect("digits-test.bin");
	let labels = std::fs::read(dir.join("digits-test-labels.bin")).expect("digits-test-labels.bin");
	let per = 64 * 4;
	assert_eq!(inputs.len(), labels.len() * per, "one 8x8 f32 image per label");
	(inputs.chunks(per).map(|c| c.to_vec()).collect(), labels)
}

/// Scores class `first byte % 10` highest; sleeps to keep the queue full.
pub struct FirstByte(pub Duration);
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
pub const WEIGHTS: [u8; 32] = [0xab; 32];

/// A worker serving group 0 (inputs `U8[4]`) with a [`FirstByte`] model
/// that takes `work` per input, on a JSON-RPC server at 127.0.0.1.
pub async fn worker(
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
	let config = BatchConfig { max_batch: 1, max_wait: Duration::ZERO, queue, instances: 1 };
	core.add_model(WEIGHTS, 1, Batcher::start(FirstByte(work), config, core.metrics.clone()));
	core.set_current(1, WEIGHTS);
	let facts = rpc::Facts { model: 7, device: "test".into(), torch: "none".into() };
	let (addr, handle) =
		rpc::start("127.0.0.1:0".parse().unwrap(), core.clone(), facts).await.unwrap();
	(core, format!("http://{addr}"), handle)
}
