//! The model behind a small trait, so that the batching loop and the chain
//! side do not care how scores are computed. [`crate::tch_backend`] is the
//! real one (TorchScript through libtorch).

/// A loaded model that scores batches of inputs.
pub trait Backend: Send + 'static {
	/// Class scores for each input (raw input bytes in the group's spec), in
	/// order: one `Vec` of `classes` scores per input.
	fn infer(&mut self, inputs: &[&[u8]]) -> anyhow::Result<Vec<Vec<f32>>>;

	/// Whether the model still answers (a one-input forward pass).
	fn health(&mut self) -> anyhow::Result<()>;

	/// Where it runs, for logs and `worker_info`.
	fn device(&self) -> String;
}
