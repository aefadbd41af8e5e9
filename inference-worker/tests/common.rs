//! Shared by the worker's tests: where `scripts/make_models.py` put its output.

#![allow(dead_code)]

use std::path::PathBuf;

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
