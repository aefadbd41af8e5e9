//! The TorchScript backend: a model file loaded with libtorch (tch), run
//! under `no_grad` on one device. Only tch's `Result`-returning calls are
//! used, so a bad file or a failing forward pass is an error, not a crash.

use crate::backend::{Backend, BackendError, Loader};
use anyhow::{anyhow, Result};
use dropbear_primitives::{DType, InputSpec};
use std::path::Path;
use tch::{CModule, Device, Kind, Tensor};

/// What the worker does to a batch of inputs on the device before the model
/// sees it. The group's input spec fixes the bytes every member receives; how
/// a member's model wants them is the member's own business.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Preprocess {
	/// The inputs as the spec has them (u8 stays u8, f32 stays f32).
	#[default]
	None,
	/// u8 images `[3, H, W]` (RGB, 0..=255) to f32, scaled to `[0, 1]` and
	/// normalised with ImageNet's channel mean and standard deviation, on the
	/// device: the host sends a quarter of the bytes an f32 input takes.
	Imagenet,
}

/// ImageNet's per-channel mean and standard deviation (RGB), as torchvision's
/// models expect their inputs normalised.
const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Loads TorchScript files onto one device.
#[derive(Clone, Copy, Debug)]
pub struct TchLoader {
	pub device: Device,
	pub preprocess: Preprocess,
}

impl Loader for TchLoader {
	fn load(
		&self,
		path: &Path,
		spec: &InputSpec,
		classes: u32,
	) -> Result<Box<dyn Backend>, BackendError> {
		Ok(Box::new(TchBackend::load_with(path, self.device, spec, classes, self.preprocess)?))
	}

	fn device(&self) -> String {
		format!("{:?}", self.device)
	}
}

fn forward(e: tch::TchError) -> BackendError {
	BackendError::Forward(e.to_string())
}

/// Parse `cpu`, `cuda`, `cuda:N` or `auto` (CUDA when available).
pub fn parse_device(s: &str) -> Result<Device> {
	match s {
		"cpu" => Ok(Device::Cpu),
		"auto" => Ok(Device::cuda_if_available()),
		"cuda" => Ok(Device::Cuda(0)),
		other => {
			let n = other.strip_prefix("cuda:").and_then(|n| n.parse::<usize>().ok()).ok_or_else(
				|| anyhow!("unknown device {other:?}: use cpu, cuda, cuda:N or auto"),
			)?;
			Ok(Device::Cuda(n))
		}
	}
}

/// What libtorch this binary runs with.
pub fn torch_info() -> String {
	format!(
		"libtorch: cuda available: {}, cuda devices: {}, cudnn: {}",
		tch::Cuda::is_available(),
		tch::Cuda::device_count(),
		tch::Cuda::cudnn_is_available()
	)
}

pub struct TchBackend {
	module: CModule,
	device: Device,
	kind: Kind,
	/// Input shape without the batch dimension.
	shape: Vec<i64>,
	classes: usize,
	/// The batch's input bytes, gathered here before they become a tensor. Kept
	/// between batches: a fresh buffer of a large batch (19 MiB for 32 ImageNet
	/// images) costs a page fault per 4 KiB on every call.
	staging: Vec<u8>,
	/// `(mean, std)` as `[1, 3, 1, 1]` tensors on the device, for
	/// [`Preprocess::Imagenet`].
	normalise: Option<(Tensor, Tensor)>,
}

impl TchBackend {
	/// Load a TorchScript file onto `device` for inputs of `spec` and
	/// `classes` output scores, and check it with one forward pass.
	pub fn load(
		path: &Path,
		device: Device,
		spec: &InputSpec,
		classes: u32,
	) -> Result<Self, BackendError> {
		Self::load_with(path, device, spec, classes, Preprocess::None)
	}

	/// [`TchBackend::load`], with `preprocess` applied to every batch on the device.
	pub fn load_with(
		path: &Path,
		device: Device,
		spec: &InputSpec,
		classes: u32,
		preprocess: Preprocess,
	) -> Result<Self, BackendError> {
		if let Device::Cuda(n) = device {
			if !tch::Cuda::is_available() || n >= tch::Cuda::device_count() as usize {
				return Err(BackendError::DeviceUnavailable {
					device: format!("cuda:{n}"),
					detail: torch_info(),
				});
			}
		}
		let load_error = |e: tch::TchError| BackendError::Load {
			path: path.to_path_buf(),
			reason: e.to_string(),
		};
		let mut module = CModule::load_on_device(path, device).map_err(load_error)?;
		module.f_set_eval().map_err(load_error)?;
		let kind = match spec.dtype {
			DType::F32 => Kind::Float,
			DType::U8 => Kind::Uint8,
		};
		let shape: Vec<i64> = spec.shape.iter().map(|d| i64::from(*d)).collect();
		let normalise = match preprocess {
			Preprocess::None => None,
			Preprocess::Imagenet => {
				if kind != Kind::Uint8 || shape.len() != 3 || shape.first() != Some(&3) {
					return Err(BackendError::Load {
						path: path.to_path_buf(),
						reason: format!(
							"--preprocess imagenet takes u8 images [3, H, W]; the group's input is {:?} {shape:?}",
							spec.dtype
						),
					});
				}
				let channels = |v: [f32; 3]| {
					Tensor::f_from_slice(&v)
						.and_then(|t| t.f_view([1, 3, 1, 1]))
						.and_then(|t| t.f_to_device(device))
				};
				Some((
					channels(IMAGENET_MEAN).map_err(load_error)?,
					channels(IMAGENET_STD).map_err(load_error)?,
				))
			}
		};
		let mut backend = Self {
			module,
			device,
			kind,
			shape,
			classes: classes as usize,
			staging: Vec::new(),
			normalise,
		};
		backend.health().map_err(|e| BackendError::FirstPass {
			path: path.to_path_buf(),
			reason: e.to_string(),
		})?;
		Ok(backend)
	}

	fn element_bytes(&self) -> usize {
		match self.kind {
			Kind::Uint8 => 1,
			_ => 4,
		}
	}
}

impl Backend for TchBackend {
	fn infer(&mut self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>, BackendError> {
		if inputs.is_empty() {
			return Ok(Vec::new());
		}
		let per_input: usize = self.shape.iter().product::<i64>() as usize * self.element_bytes();
		let data = &mut self.staging;
		data.clear();
		for (i, input) in inputs.iter().enumerate() {
			if input.len() != per_input {
				return Err(BackendError::InputSize {
					index: i,
					got: input.len(),
					want: per_input,
				});
			}
			data.extend_from_slice(input);
		}
		let mut size = vec![inputs.len() as i64];
		size.extend_from_slice(&self.shape);
		let scores = tch::no_grad(|| -> Result<Tensor, tch::TchError> {
			let batch = Tensor::f_from_data_size(data, &size, self.kind)?;
			// The bytes cross to the device as they came (u8: a quarter of
			// f32's), and become what the model takes there.
			let batch = batch.f_to_device(self.device)?;
			let batch = match &self.normalise {
				Some((mean, std)) => {
					batch.f_to_kind(Kind::Float)?.f_div_scalar(255.0)?.f_sub(mean)?.f_div(std)?
				}
				None => batch,
			};
			let out = self.module.forward_ts(&[batch])?;
			Ok(out.f_to_kind(Kind::Float)?.f_to_device(Device::Cpu)?.f_contiguous()?)
		})
		.map_err(forward)?;
		let dims = scores.size();
		let want = vec![inputs.len() as i64, self.classes as i64];
		if dims != want {
			return Err(BackendError::OutputShape { got: dims, want });
		}
		let mut flat = vec![0f32; inputs.len() * self.classes];
		let n = flat.len();
		scores.f_copy_data(&mut flat, n).map_err(forward)?;
		Ok(flat.chunks(self.classes).map(|c| c.to_vec()).collect())
	}

	fn health(&mut self) -> Result<(), BackendError> {
		let zeros = vec![0u8; self.shape.iter().product::<i64>() as usize * self.element_bytes()];
		self.infer(&[&zeros]).map(|_| ())
	}

	fn device(&self) -> String {
		format!("{:?}", self.device)
	}
}
