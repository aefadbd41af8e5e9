//! The model behind a small trait, so that the batching loop and the chain
//! side do not care how scores are computed or where a model comes from.
//! [`crate::tch_backend`] is the real one (TorchScript through libtorch).
//!
//! - [`Loader`]: turns a model file into a [`Backend`] for a group's input
//!   spec; the versions module loads every version through it.
//! - [`Backend`]: scores batches, and says whether it still answers.
//! - [`BackendError`]: what went wrong, typed, with the context a caller shows.

use dropbear_primitives::InputSpec;
use std::path::{Path, PathBuf};

/// Why a model could not be loaded or could not score a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
	/// The device asked for does not exist here.
	#[error("device {device} is not available: {detail}")]
	DeviceUnavailable { device: String, detail: String },
	/// The file is not a model this backend can load.
	#[error("loading model {}: {reason}", path.display())]
	Load { path: PathBuf, reason: String },
	/// The model loaded but its first forward pass failed.
	#[error("first forward pass of {}: {reason}", path.display())]
	FirstPass { path: PathBuf, reason: String },
	/// An input is not the size the model takes (the group's spec).
	#[error("input {index} has {got} bytes, the model takes {want}")]
	InputSize { index: usize, got: usize, want: usize },
	/// The model answered with a tensor of the wrong shape.
	#[error("the model returned shape {got:?}, expected {want:?}")]
	OutputShape { got: Vec<i64>, want: Vec<i64> },
	/// The backend library failed during a forward pass.
	#[error("forward pass: {0}")]
	Forward(String),
	/// The model thread is gone (it panicked or was stopped).
	#[error("the model thread stopped")]
	Stopped,
}

/// A loaded model that scores batches of inputs.
pub trait Backend: Send + 'static {
	/// Class scores for each input (raw input bytes in the group's spec), in
	/// order: one `Vec` of `classes` scores per input.
	fn infer(&mut self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>, BackendError>;

	/// Whether the model still answers (a one-input forward pass).
	fn health(&mut self) -> Result<(), BackendError>;

	/// Where it runs, for logs and `worker_info`.
	fn device(&self) -> String;

	/// Called by the model thread that will run this backend, before its
	/// first batch (a backend is loaded on another thread). A CUDA backend
	/// gives the thread a stream of its own here; what it says is logged.
	/// An error is logged too, and the thread runs on regardless.
	fn on_model_thread(&mut self) -> Result<Option<String>, BackendError> {
		Ok(None)
	}
}

impl Backend for Box<dyn Backend> {
	fn infer(&mut self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>, BackendError> {
		(**self).infer(inputs)
	}
	fn health(&mut self) -> Result<(), BackendError> {
		(**self).health()
	}
	fn device(&self) -> String {
		(**self).device()
	}
	fn on_model_thread(&mut self) -> Result<Option<String>, BackendError> {
		(**self).on_model_thread()
	}
}

/// Makes backends from model files.
pub trait Loader: Send + Sync + 'static {
	/// Load the model in `path` for inputs of `spec` and `classes` output
	/// scores, checked with one forward pass.
	fn load(
		&self,
		path: &Path,
		spec: &InputSpec,
		classes: u32,
	) -> Result<Box<dyn Backend>, BackendError>;

	/// The device models are loaded onto, for `worker_info`.
	fn device(&self) -> String;
}
