//! The TorchScript backend: a model file loaded with libtorch (tch), run
//! under `no_grad` on one device. Only tch's `Result`-returning calls are
//! used, so a bad file or a failing forward pass is an error, not a crash.
//!
//! On a CUDA device a batch's bytes are gathered straight into a pinned
//! (page-locked) host buffer kept between batches and copied to the device
//! without blocking the host: a pageable copy goes through a bounce buffer
//! at a fraction of the bus's speed, and that copy, not the model, bounded
//! the worker at large batches. On the CPU the buffer is a plain tensor,
//! kept for the same reason as the f32 buffer u8 images are normalised
//! into: each fresh tensor of a large batch is fresh pages that the kernel
//! zeroes (18% of a 2-core machine's time in the data-plane benchmark
//! before they were kept). On the CPU u8 images are normalised in one pass
//! of our own from the received bytes into that f32 buffer
//! ([`normalise_image`]); on a GPU the u8 batch crosses to the device and
//! libtorch normalises it there. A member may also run its model in half
//! precision (`--precision fp16|bf16`) and channels-last
//! (`--channels-last`); both are its own business, like its weights: the
//! group agrees on labels, and a member whose reduced precision changes its
//! answers loses its fees, not the group's promise.

use crate::backend::{Backend, BackendError, Loader};
use anyhow::{anyhow, Result};
use dropbear_primitives::{DType, InputSpec};
use rayon::prelude::*;
use std::{path::Path, sync::OnceLock};
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

/// The floating-point format a member's model computes in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Precision {
	/// As the file was saved (f32 for every model this project makes).
	#[default]
	Fp32,
	/// IEEE half precision: tensor cores, half the memory traffic.
	Fp16,
	/// bfloat16: f32's range with half's size.
	Bf16,
}

impl Precision {
	fn kind(self) -> Kind {
		match self {
			Precision::Fp32 => Kind::Float,
			Precision::Fp16 => Kind::Half,
			Precision::Bf16 => Kind::BFloat16,
		}
	}
}

/// How a member runs its model on its device, beyond the group's input spec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
	pub preprocess: Preprocess,
	pub precision: Precision,
	/// Images and convolution weights in NHWC order in memory (the shapes
	/// stay NCHW): what cuDNN's tensor-core kernels read fastest.
	pub channels_last: bool,
}

/// ImageNet's per-channel mean and standard deviation (RGB), as torchvision's
/// models expect their inputs normalised.
const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Compute on the CPU with `threads` threads in this process (libtorch's
/// intra-op parallelism, for every model loaded here); set before any
/// model runs.
pub fn set_cpu_threads(threads: usize) {
	tch::set_num_threads(i32::try_from(threads).unwrap_or(i32::MAX));
	tracing::info!(target: "worker", "libtorch computes with {} CPU threads", tch::get_num_threads());
}

/// Loads TorchScript files onto one device.
#[derive(Clone, Copy, Debug)]
pub struct TchLoader {
	pub device: Device,
	pub options: RunOptions,
}

impl Loader for TchLoader {
	fn load(
		&self,
		path: &Path,
		spec: &InputSpec,
		classes: u32,
	) -> Result<Box<dyn Backend>, BackendError> {
		Ok(Box::new(TchBackend::load_with(path, self.device, spec, classes, self.options)?))
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
		"libtorch: cuda available: {}, cuda devices: {}, cudnn: {}, streams per model thread: {}",
		tch::Cuda::is_available(),
		tch::Cuda::device_count(),
		tch::Cuda::cudnn_is_available(),
		if crate::cuda::STREAMS_BUILT { "built" } else { "not built (no CUDA headers)" }
	)
}

pub struct TchBackend {
	module: CModule,
	device: Device,
	kind: Kind,
	/// Input shape without the batch dimension.
	shape: Vec<i64>,
	classes: usize,
	/// A host tensor of the spec's dtype, as large as the largest batch so
	/// far, that each batch's input bytes are gathered into (pinned on a
	/// CUDA device, for non-blocking copies). Kept between batches: a fresh
	/// buffer of a large batch (38 MiB for 256 u8 ImageNet images) comes
	/// from the kernel as zeroed pages, a page fault per 4 KiB, every call.
	host: Option<Tensor>,
	/// On the device, for [`Preprocess::Imagenet`]: the f32 batch the u8
	/// one is scaled and normalised into (by libtorch on a GPU, by
	/// [`normalise_image`] straight from the inputs on the CPU), kept
	/// between batches for the same reason (four times the u8 batch: 154
	/// MiB for 256 images, which fresh intermediate tensors paid four times
	/// over).
	float: Option<Tensor>,
	/// [`Normalise`] on the device, for [`Preprocess::Imagenet`].
	normalise: Option<Normalise>,
	/// The kind the model computes in.
	compute: Kind,
	channels_last: bool,
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
		Self::load_with(path, device, spec, classes, RunOptions::default())
	}

	/// [`TchBackend::load`], run as `options` say: a preprocessing step on
	/// the device, the precision, the memory layout.
	pub fn load_with(
		path: &Path,
		device: Device,
		spec: &InputSpec,
		classes: u32,
		options: RunOptions,
	) -> Result<Self, BackendError> {
		let preprocess = options.preprocess;
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
		let compute = options.precision.kind();
		if compute != Kind::Float {
			// tch's `CModule::to` has no `Result` form: a libtorch error there
			// is a panic, caught here so that it fails this load only.
			std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
				module.to(device, compute, false)
			}))
			.map_err(|_| BackendError::Load {
				path: path.to_path_buf(),
				reason: format!("converting the model to {:?} failed", options.precision),
			})?;
		}
		if options.channels_last {
			// libtorch reads the layout from the strides: an NCHW tensor whose
			// data is laid out NHWC is channels-last. Convolution weights are
			// the model's 4-d parameters.
			for (_, mut weight) in module.named_parameters().map_err(load_error)? {
				if weight.dim() == 4 {
					let nhwc = nhwc_layout(&weight).map_err(load_error)?;
					weight.f_set_data(&nhwc).map_err(load_error)?;
				}
			}
		}
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
				Some(Normalise::imagenet(device).map_err(load_error)?)
			}
		};
		let mut backend = Self {
			module,
			device,
			kind,
			shape,
			classes: classes as usize,
			host: None,
			float: None,
			normalise,
			compute,
			channels_last: options.channels_last,
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

	/// The batch gathered into the host buffer (grown to fit), as a tensor
	/// of `size` over it. Every input is `per_input` bytes (checked).
	fn gather(
		&mut self,
		inputs: &[&[u8]],
		per_input: usize,
		size: &[i64],
	) -> Result<Tensor, tch::TchError> {
		let elements = size.iter().product::<i64>();
		let (kind, device) = (self.kind, self.device);
		let buffer = kept_or_new(&mut self.host, elements, || {
			let fresh = Tensor::f_empty([elements], (kind, Device::Cpu))?;
			match device {
				Device::Cuda(_) => fresh.f_pin_memory(device),
				_ => Ok(fresh),
			}
		})?;
		let bytes = inputs.len() * per_input;
		// SAFETY: `buffer` is a contiguous CPU tensor of at least `elements`
		// elements of `self.kind`: `bytes` bytes (each input's length was
		// checked). Nothing else reads or writes it while this slice lives:
		// the previous batch's copy to the device, and its forward pass on
		// the CPU, finished before its `infer` returned (its scores were
		// copied out), and the tensor is not used until it is dropped.
		let host = unsafe { std::slice::from_raw_parts_mut(buffer.data_ptr() as *mut u8, bytes) };
		fill_slots(host, per_input, inputs, |slot, input| slot.copy_from_slice(input));
		let batch = buffer.f_narrow(0, 0, elements)?.f_view(size)?;
		self.host = Some(buffer);
		Ok(batch)
	}

	/// On the CPU, for [`Preprocess::Imagenet`]: the batch normalised
	/// straight from the received bytes into the kept f32 buffer (grown to
	/// fit), as a tensor of `size` over it ([`normalise_image`]).
	fn gather_normalised(
		&mut self,
		inputs: &[&[u8]],
		per_input: usize,
		size: &[i64],
		by: Factors,
	) -> Result<Tensor, tch::TchError> {
		let elements = size.iter().product::<i64>();
		let buffer = kept_or_new(&mut self.float, elements, || {
			Tensor::f_empty([elements], (Kind::Float, Device::Cpu))
		})?;
		// SAFETY: as in `gather`: `buffer` is a contiguous CPU f32 tensor of
		// at least `elements` elements (a CPU backend only ever makes its
		// f32 buffer here, on the CPU; an image per input, each `per_input`
		// u8 values: checked), and nothing else touches it until the
		// batch's forward pass has finished.
		let float = unsafe {
			std::slice::from_raw_parts_mut(buffer.data_ptr() as *mut f32, inputs.len() * per_input)
		};
		fill_slots(float, per_input, inputs, |slot, image| normalise_image_here(slot, image, by));
		let batch = buffer.f_narrow(0, 0, elements)?.f_view(size)?;
		self.float = Some(buffer);
		Ok(batch)
	}
}

/// The buffer kept in `kept` if it holds at least `elements` elements, else
/// a new one from `new` (the kept one, too small, is dropped). The caller
/// puts it back once the batch is done with it.
fn kept_or_new(
	kept: &mut Option<Tensor>,
	elements: i64,
	new: impl FnOnce() -> Result<Tensor, tch::TchError>,
) -> Result<Tensor, tch::TchError> {
	match kept.take() {
		Some(buffer) if buffer.numel() as i64 >= elements => Ok(buffer),
		_ => new(),
	}
}

/// `fill(slot, input)` for each input and its slot of `dest` (`per_slot`
/// elements each). One core copies a few GB/s: a batch of 128 f32 ImageNet
/// images (77 MB) would take longer to gather than to infer on a GPU, so a
/// batch of at least [`PARALLEL_GATHER_BYTES`] is filled by the gathering
/// threads ([`gather_pool`]), each a run of whole inputs.
fn fill_slots<T: Send>(
	dest: &mut [T],
	per_slot: usize,
	inputs: &[&[u8]],
	fill: impl Fn(&mut [T], &[u8]) + Sync,
) {
	fill_slots_in(gather_pool(), dest, per_slot, inputs, fill)
}

/// [`fill_slots`] with `pool` for the gathering threads (none: the calling
/// thread fills every slot).
fn fill_slots_in<T: Send>(
	pool: Option<&rayon::ThreadPool>,
	dest: &mut [T],
	per_slot: usize,
	inputs: &[&[u8]],
	fill: impl Fn(&mut [T], &[u8]) + Sync,
) {
	let fill_run = |dest: &mut [T], run: &[&[u8]]| {
		for (slot, input) in dest.chunks_mut(per_slot).zip(run) {
			fill(slot, input);
		}
	};
	let bytes: usize = inputs.iter().map(|i| i.len()).sum();
	match pool {
		Some(pool) if bytes >= PARALLEL_GATHER_BYTES => {
			let per_thread = inputs.len().div_ceil(pool.current_num_threads()).max(1);
			pool.install(|| {
				dest.par_chunks_mut(per_thread * per_slot)
					.zip(inputs.par_chunks(per_thread))
					.for_each(|(dest, run)| fill_run(dest, run))
			});
		}
		_ => fill_run(dest, inputs),
	}
}

/// ImageNet's scaling and normalisation, `(x / 255 - mean) / std` per
/// channel, folded into `x * scale + shift` with `scale = 1 / (255 std)`
/// and `shift = -mean / std`, each a `[1, 3, 1, 1]` tensor on the device:
/// two passes over the batch after the u8-to-f32 copy, neither a division,
/// where the three-step form took three, two of them divisions (figures in
/// `docs/worker.md`). The scores differ from the three-step form's in their
/// last bits: labels agree but for near-ties, the bytes an `Exact` group
/// hashes do not. A single `addcmul` pass measured slower on the CPU: its
/// kernel with two broadcast operands ran outside libtorch's vectorised
/// fast path.
struct Normalise {
	scale: Tensor,
	shift: Tensor,
	/// The same factors on the host, for the CPU's one-pass form
	/// ([`normalise_image`]).
	factors: Factors,
}

/// Per channel, `scale` and `shift` of [`Normalise`].
#[derive(Clone, Copy)]
struct Factors {
	scale: [f32; 3],
	shift: [f32; 3],
}

impl Normalise {
	fn imagenet(device: Device) -> Result<Self, tch::TchError> {
		let channels = |v: [f32; 3]| {
			Tensor::f_from_slice(&v)
				.and_then(|t| t.f_view([1, 3, 1, 1]))
				.and_then(|t| t.f_to_device(device))
		};
		let scale = IMAGENET_STD.map(|s| 1.0 / (255.0 * s));
		let shift = std::array::from_fn(|c| -IMAGENET_MEAN[c] / IMAGENET_STD[c]);
		Ok(Self {
			scale: channels(scale)?,
			shift: channels(shift)?,
			factors: Factors { scale, shift },
		})
	}

	/// `batch` (u8 images on `device`) normalised into the kept f32 buffer
	/// `kept` (grown to fit).
	fn normalise_into(
		&self,
		kept: &mut Option<Tensor>,
		device: Device,
		batch: &Tensor,
	) -> Result<Tensor, tch::TchError> {
		let size = batch.size();
		let elements = size.iter().product::<i64>();
		let float =
			kept_or_new(kept, elements, || Tensor::f_empty([elements], (Kind::Float, device)))?;
		let mut out = float.f_narrow(0, 0, elements)?.f_view(size.as_slice())?;
		out.f_copy_(batch)?;
		// Each in-place operation hands back the tensor it changed.
		let out = out.f_mul_(&self.scale)?.f_add_(&self.shift)?;
		*kept = Some(float);
		Ok(out)
	}
}

/// One u8 image `[3, H, W]` into `dest` as f32 `x * scale[c] + shift[c]`:
/// the CPU's form of [`Normalise`], one pass from the received bytes where
/// libtorch took four (the gather, the u8-to-f32 copy, the multiply, the
/// add; 6% of the 2-core machine in the data-plane benchmark at 800
/// offered). A multiply then an add, each rounded, as libtorch's kernels
/// do: the same bits (Rust never fuses them into one rounding).
#[inline(always)]
fn normalise_image(dest: &mut [f32], image: &[u8], by: Factors) {
	let plane = image.len() / 3;
	let channels = dest.chunks_mut(plane).zip(image.chunks(plane));
	for ((out, pixels), (scale, shift)) in channels.zip(by.scale.into_iter().zip(by.shift)) {
		for (o, &x) in out.iter_mut().zip(pixels) {
			*o = f32::from(x) * scale + shift;
		}
	}
}

/// [`normalise_image`] compiled for AVX2 (eight lanes where the baseline
/// has four), taken when the CPU has it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn normalise_image_avx2(dest: &mut [f32], image: &[u8], by: Factors) {
	normalise_image(dest, image, by)
}

/// [`normalise_image`], in the widest form this CPU runs.
fn normalise_image_here(dest: &mut [f32], image: &[u8], by: Factors) {
	#[cfg(target_arch = "x86_64")]
	if std::is_x86_feature_detected!("avx2") {
		// SAFETY: the CPU has AVX2, checked just above.
		return unsafe { normalise_image_avx2(dest, image, by) };
	}
	normalise_image(dest, image, by)
}

/// Batches at least this large are gathered into the host buffer by
/// several threads.
const PARALLEL_GATHER_BYTES: usize = 4 << 20;

/// The threads that gather large batches, made on first use and shared by
/// every model thread of the process: the machine's cores, at most 8 (more
/// than the memory bus can use); none on one core. Threads made for each
/// batch, as before, cost their creation, their stack's pages and a
/// reading of the cgroup's CPU quota (`available_parallelism`) every time:
/// with the near-free ImageNet model on f32 inputs that was about half of
/// a batch of 8's time on the 2-core VM (`docs/worker.md`). They run at the
/// data plane's priority, as the model threads they work for.
fn gather_pool() -> Option<&'static rayon::ThreadPool> {
	static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
	POOL.get_or_init(|| {
		let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
		if threads < 2 {
			return None;
		}
		rayon::ThreadPoolBuilder::new()
			.num_threads(threads)
			.thread_name(|i| format!("gather-{i}"))
			.start_handler(|_| crate::priority::enter_data_plane())
			.build()
			.map_err(|e| {
				tracing::warn!(target: "worker", "no gathering threads ({e}); batches are gathered by their model thread alone");
			})
			.ok()
	})
	.as_ref()
}

/// `t` (an `[N, C, H, W]` tensor) with its data laid out NHWC: channels-last.
fn nhwc_layout(t: &Tensor) -> Result<Tensor, tch::TchError> {
	t.f_permute([0, 2, 3, 1])?.f_contiguous()?.f_permute([0, 3, 1, 2])
}

impl Backend for TchBackend {
	fn infer(&mut self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>, BackendError> {
		if inputs.is_empty() {
			return Ok(Vec::new());
		}
		let per_input: usize = self.shape.iter().product::<i64>() as usize * self.element_bytes();
		for (i, input) in inputs.iter().enumerate() {
			if input.len() != per_input {
				return Err(BackendError::InputSize {
					index: i,
					got: input.len(),
					want: per_input,
				});
			}
		}
		let mut size = vec![inputs.len() as i64];
		size.extend_from_slice(&self.shape);
		let scores = tch::no_grad(|| -> Result<Tensor, tch::TchError> {
			let cpu_factors = match (&self.normalise, self.device) {
				(Some(by), Device::Cpu) => Some(by.factors),
				_ => None,
			};
			let batch = if let Some(by) = cpu_factors {
				self.gather_normalised(inputs, per_input, &size, by)?
			} else {
				// The bytes cross to the device as they came (u8: a quarter
				// of f32's), and become what the model takes there.
				let host = self.gather(inputs, per_input, &size)?;
				let batch = match self.device {
					Device::Cuda(_) => host.f_to_device_(self.device, self.kind, true, false)?,
					_ => host,
				};
				match &self.normalise {
					Some(by) => by.normalise_into(&mut self.float, self.device, &batch)?,
					None => batch,
				}
			};
			let batch = if self.compute != Kind::Float && batch.kind() != self.compute {
				batch.f_to_kind(self.compute)?
			} else {
				batch
			};
			let batch =
				if self.channels_last && batch.dim() == 4 { nhwc_layout(&batch)? } else { batch };
			let out = self.module.forward_ts(&[batch])?;
			// The copy back waits for the forward pass (and so for the
			// non-blocking copy in before it): the pinned buffer is free
			// again once this returns.
			out.f_to_kind(Kind::Float)?.f_to_device(Device::Cpu)?.f_contiguous()
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

	/// On a CUDA device, a stream from libtorch's pool becomes the calling
	/// thread's current stream ([`crate::cuda`]), and the kept buffers made
	/// on the loading thread (by the first forward pass) are dropped, to be
	/// made again on this thread's stream.
	fn on_model_thread(&mut self) -> Result<Option<String>, BackendError> {
		let Device::Cuda(n) = self.device else { return Ok(None) };
		let stream = crate::cuda::use_pool_stream(n)
			.map_err(|e| BackendError::Forward(format!("taking a CUDA stream of cuda:{n}: {e}")))?;
		self.host = None;
		self.float = None;
		Ok(Some(format!("on CUDA stream {} of cuda:{n}", stream.0)))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The CPU's one pass gives libtorch's scores bit for bit, in both the
	/// baseline and the AVX2 build of the loop.
	#[test]
	fn one_pass_normalisation_is_libtorchs_bit_for_bit() {
		let normalise = Normalise::imagenet(Device::Cpu).unwrap();
		let (h, w) = (7, 5);
		let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
		let images: Vec<Vec<u8>> = (0..3)
			.map(|_| {
				(0..3 * h * w)
					.map(|_| {
						x ^= x << 13;
						x ^= x >> 7;
						x ^= x << 17;
						x as u8
					})
					.collect()
			})
			.collect();
		let flat: Vec<u8> = images.concat();
		let batch = Tensor::from_slice(&flat).view([3, 3, h as i64, w as i64]);
		let mut kept = None;
		let by_libtorch = normalise.normalise_into(&mut kept, Device::Cpu, &batch).unwrap();
		let want: Vec<f32> = Vec::try_from(by_libtorch.flatten(0, -1)).unwrap();
		for form in [normalise_image, normalise_image_here] {
			let mut got = vec![0f32; flat.len()];
			for (slot, image) in got.chunks_mut(3 * h * w).zip(&images) {
				form(slot, image, normalise.factors);
			}
			let differing = got.iter().zip(&want).filter(|(a, b)| a.to_bits() != b.to_bits());
			assert_eq!(differing.count(), 0, "scores differ from libtorch's: {got:?} vs {want:?}");
		}
	}

	/// A batch large enough for the gathering threads has each input in its
	/// own slot, in order, with runs that do not divide the batch evenly,
	/// by a pool of three threads (as on a 3-core machine) and by the
	/// calling thread alone.
	#[test]
	fn a_large_batch_is_gathered_in_order() {
		let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
		let per_input = 600_000;
		for (inputs, pool) in [(9usize, Some(&pool)), (11, Some(&pool)), (9, None)] {
			assert!(inputs * per_input >= PARALLEL_GATHER_BYTES);
			let images: Vec<Vec<u8>> = (0..inputs)
				.map(|i| (0..per_input).map(|j| ((i * 131 + j * 7) % 251) as u8).collect())
				.collect();
			let refs: Vec<&[u8]> = images.iter().map(|v| v.as_slice()).collect();
			let mut dest = vec![0u8; inputs * per_input];
			fill_slots_in(pool, &mut dest, per_input, &refs, |slot, input| {
				slot.copy_from_slice(input)
			});
			let by = if pool.is_some() { "the pool" } else { "one thread" };
			for (i, (slot, image)) in dest.chunks(per_input).zip(&images).enumerate() {
				assert!(
					slot == image.as_slice(),
					"by {by}, slot {i} of {inputs} does not hold input {i}"
				);
			}
		}
	}
}
