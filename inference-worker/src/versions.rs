//! The model versions this member serves: which files it has (by the
//! blake2-256 digest of their bytes), loading the weights of the version
//! serving the best block and of any pending one (before its activation
//! block) through the backend's [`Loader`], pointing speculation at the
//! version that serves now, and unloading weights nothing needs any more.
//!
//! Loaded models are keyed by their weights digest, never by version
//! number: a version is served only from a file whose digest is the one on
//! chain, and two versions with the same digest share one model. A version
//! without such a file is refused (logged once) and never voted on.
//!
//! New files are picked up without a restart: when the chain names a digest
//! no known file has, the worker looks again at its `--model` files and its
//! `--model-dir` (hashing only files that are new or changed since it last
//! looked), so an owner drops the new weights in the directory, publishes
//! the version, and the worker loads it before its activation block.

use crate::{
	backend::{Backend, BackendError, Loader},
	batcher::{BatchConfig, Batcher},
	core::Core,
};
use anyhow::{anyhow, Context, Result};
use dropbear_api::{BlockNumber, Chain, Digest, Hash, ModelId, VersionNumber};
use dropbear_primitives::InputSpec;
use std::{
	collections::{HashMap, HashSet},
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
	time::SystemTime,
};

/// Model files by the blake2-256 digest of their bytes: the files given by
/// name and the `.pt` files of a directory, looked at again on demand.
pub struct ModelFiles {
	files: Vec<PathBuf>,
	dir: Option<PathBuf>,
	/// What each file held when last hashed: (length, modified, digest).
	seen: HashMap<PathBuf, (u64, Option<SystemTime>, Digest)>,
	by_digest: HashMap<Digest, PathBuf>,
}

impl ModelFiles {
	/// The files `paths` (each must be readable).
	pub fn read(paths: &[PathBuf]) -> Result<Self> {
		Self::new(paths, None)
	}

	/// The files `paths` (each must be readable) and the `.pt` files of `dir`.
	pub fn new(paths: &[PathBuf], dir: Option<&Path>) -> Result<Self> {
		let mut files = Self {
			files: paths.to_vec(),
			dir: dir.map(Path::to_path_buf),
			seen: HashMap::new(),
			by_digest: HashMap::new(),
		};
		for path in paths {
			files
				.look_at(path)
				.with_context(|| format!("reading model file {}", path.display()))?;
		}
		if let Some(dir) = dir {
			std::fs::read_dir(dir)
				.with_context(|| format!("reading --model-dir {}", dir.display()))?;
		}
		files.rescan();
		Ok(files)
	}

	pub fn path(&self, digest: &Digest) -> Option<&PathBuf> {
		self.by_digest.get(digest)
	}

	/// The file with `digest`, looking at the files and the directory again
	/// when none is known.
	pub fn find(&mut self, digest: &Digest) -> Option<PathBuf> {
		let known = self.by_digest.get(digest).is_some_and(|p| self.unchanged(p));
		if !known {
			self.rescan();
		}
		self.by_digest.get(digest).cloned()
	}

	/// Whether the file is as it was when last hashed.
	fn unchanged(&self, path: &Path) -> bool {
		let Ok(meta) = std::fs::metadata(path) else { return false };
		self.seen.get(path).is_some_and(|(len, modified, _)| {
			(*len, *modified) == (meta.len(), meta.modified().ok())
		})
	}

	/// Hash every file that is new or changed since it was last hashed.
	fn rescan(&mut self) {
		let mut paths = self.files.clone();
		if let Some(dir) = &self.dir {
			match std::fs::read_dir(dir) {
				Ok(entries) => paths.extend(
					entries
						.filter_map(|e| e.ok().map(|e| e.path()))
						.filter(|p| p.extension().is_some_and(|x| x == "pt")),
				),
				Err(e) => {
					tracing::warn!(target: "worker::versions", "cannot list {}: {e}", dir.display())
				}
			}
		}
		for path in paths {
			if let Err(e) = self.look_at(&path) {
				tracing::warn!(target: "worker::versions", "{}: {e:#}", path.display());
			}
		}
	}

	fn look_at(&mut self, path: &Path) -> Result<()> {
		if self.unchanged(path) {
			return Ok(());
		}
		let meta = std::fs::metadata(path)?;
		let stamp = (meta.len(), meta.modified().ok());
		let bytes = std::fs::read(path)?;
		let digest = dropbear_api::input_hash(&bytes);
		self.seen.insert(path.to_path_buf(), (stamp.0, stamp.1, digest));
		// A file rewritten in place no longer holds its old digest.
		self.by_digest.retain(|_, p| p.as_path() != path);
		self.by_digest.insert(digest, path.to_path_buf());
		Ok(())
	}
}

/// The loaded versions of this member's model.
pub struct Versions {
	chain: Arc<Chain>,
	pub model: ModelId,
	core: Arc<Core>,
	files: Mutex<ModelFiles>,
	loader: Arc<dyn Loader>,
	batching: BatchConfig,
	/// Digests with no file here (logged once).
	missing: Mutex<HashSet<Digest>>,
	/// Each version's weights digest, as read from chain once: a version
	/// number never names other weights (a replacement gets a new number).
	digests: Mutex<HashMap<VersionNumber, Digest>>,
}

impl Versions {
	pub fn new(
		chain: Arc<Chain>,
		model: ModelId,
		core: Arc<Core>,
		files: ModelFiles,
		loader: Arc<dyn Loader>,
		batching: BatchConfig,
	) -> Self {
		Self {
			chain,
			model,
			core,
			files: Mutex::new(files),
			loader,
			batching,
			missing: Mutex::new(HashSet::new()),
			digests: Mutex::new(HashMap::new()),
		}
	}

	/// Load the weights of the version serving block `at` (number `number`)
	/// and of any pending one, and point speculation at the one serving `at`.
	/// Returns the weights digests the chain names now (current and pending).
	pub async fn sync(&self, at: Hash, number: BlockNumber) -> Result<Vec<Digest>> {
		let info = self
			.chain
			.model(Some(at), self.model)
			.await?
			.ok_or_else(|| anyhow!("model {} is not on chain", self.model))?;
		let mut wanted = vec![info.current];
		if let Some(p) = &info.pending {
			wanted.push(p.version);
		}
		let mut digests = Vec::new();
		for &version in &wanted {
			let digest = self.digest_of(at, version).await?;
			self.ensure(version, digest).await?;
			digests.push(digest);
		}
		// The version serving this block (a pending one from its activation block).
		let (serving, digest) = match (&info.pending, digests.as_slice()) {
			(Some(p), [_, pending]) if p.active_from <= number => (p.version, *pending),
			(_, [current, ..]) => (info.current, *current),
			_ => return Ok(digests),
		};
		if self.core.has_digest(&digest) {
			self.core.set_current(serving, digest);
		}
		Ok(digests)
	}

	/// A version's weights digest: read from chain the first time, then
	/// remembered (this runs at every best block).
	async fn digest_of(&self, at: Hash, version: VersionNumber) -> Result<Digest> {
		if let Some(d) = self.digests.lock().unwrap_or_else(|p| p.into_inner()).get(&version) {
			return Ok(*d);
		}
		let record =
			self.chain.version(Some(at), self.model, version).await?.ok_or_else(|| {
				anyhow!("version {version} of model {} has no record", self.model)
			})?;
		self.digests.lock().unwrap_or_else(|p| p.into_inner()).insert(version, record.digest);
		Ok(record.digest)
	}

	/// Serve `version`, whose weights are `digest`: from the loaded model with
	/// that digest, or from the file with it, if there is one.
	pub async fn ensure(&self, version: VersionNumber, digest: Digest) -> Result<()> {
		if self.core.name_version(&digest, version) {
			return Ok(());
		}
		let found = self.files.lock().unwrap_or_else(|p| p.into_inner()).find(&digest);
		let Some(path) = found else {
			if self.missing.lock().unwrap_or_else(|p| p.into_inner()).insert(digest) {
				tracing::error!(
					target: "worker::versions",
					"refusing to serve version {version} of model {}: no model file has its digest 0x{}",
					self.model,
					hex::encode(digest)
				);
			}
			return Ok(());
		};
		let spec = self.core.terms.input.clone();
		let classes = self.core.terms.classes;
		let loader = self.loader.clone();
		let file = path.clone();
		let instances = self.batching.instances.max(1);
		let backends = tokio::task::spawn_blocking(move || {
			load_copies(&*loader, &file, &spec, classes, instances)
		})
		.await??;
		let threads = backends.len();
		self.core.add_model(
			digest,
			version,
			Batcher::start_instances(backends, self.batching, self.core.metrics.clone()),
		);
		tracing::info!(
			target: "worker::versions",
			"loaded version {version} of model {} from {} (digest 0x{}){}",
			self.model,
			path.display(),
			hex::encode(digest),
			match (threads, instances) {
				(1, 1) => String::new(),
				(t, i) if t == i => format!(" with {t} model threads"),
				(t, i) => format!(" with {t} of {i} model threads"),
			}
		);
		Ok(())
	}

	/// Unload every loaded model whose weights are not in `keep` (its model
	/// thread ends once the batches it is running finish); the weights
	/// serving now stay.
	pub fn retain(&self, keep: &HashSet<Digest>) {
		let current = self.core.current_digest();
		for digest in self.core.digests() {
			if !keep.contains(&digest) && digest != current {
				self.core.remove_model(&digest);
				tracing::info!(
					target: "worker::versions",
					"unloaded weights 0x{} of model {}",
					hex::encode(digest),
					self.model
				);
			}
		}
	}
}

/// One copy of the model in `file` per model thread, up to `instances`. The
/// first copy's error is the version's (the file or the device is at fault);
/// a later copy that fails (the device out of memory, say) leaves the
/// version served by the copies loaded before it, with a warning, rather
/// than not served at all.
fn load_copies(
	loader: &dyn Loader,
	file: &Path,
	spec: &InputSpec,
	classes: u32,
	instances: usize,
) -> Result<Vec<Box<dyn Backend>>, BackendError> {
	let mut copies = vec![loader.load(file, spec, classes)?];
	for copy in 2..=instances {
		match loader.load(file, spec, classes) {
			Ok(backend) => copies.push(backend),
			Err(e) => {
				tracing::warn!(
					target: "worker::versions",
					"copy {copy} of {instances} of {} did not load ({e}); serving it with {} model threads",
					file.display(),
					copies.len()
				);
				break;
			}
		}
	}
	Ok(copies)
}

#[cfg(test)]
mod tests {
	use super::*;
	use dropbear_primitives::DType;
	use std::sync::atomic::{AtomicUsize, Ordering};

	/// Loads `works` copies, then fails every time.
	struct Limited {
		works: usize,
		loaded: AtomicUsize,
	}

	struct Loaded;

	impl Backend for Loaded {
		fn infer(&mut self, inputs: &[&[u8]]) -> Result<Vec<Vec<f32>>, BackendError> {
			Ok(inputs.iter().map(|_| vec![0.0]).collect())
		}
		fn health(&mut self) -> Result<(), BackendError> {
			Ok(())
		}
		fn device(&self) -> String {
			"test".into()
		}
	}

	impl Loader for Limited {
		fn load(
			&self,
			path: &Path,
			_: &InputSpec,
			_: u32,
		) -> Result<Box<dyn Backend>, BackendError> {
			if self.loaded.fetch_add(1, Ordering::SeqCst) < self.works {
				Ok(Box::new(Loaded))
			} else {
				Err(BackendError::Load { path: path.into(), reason: "out of memory".into() })
			}
		}
		fn device(&self) -> String {
			"test".into()
		}
	}

	fn spec() -> InputSpec {
		InputSpec { dtype: DType::U8, shape: vec![4].try_into().unwrap() }
	}

	#[test]
	fn a_copy_that_fails_after_the_first_leaves_the_version_with_fewer_threads() {
		let loader = Limited { works: 2, loaded: AtomicUsize::new(0) };
		let copies = load_copies(&loader, Path::new("m.pt"), &spec(), 1, 4).unwrap();
		assert_eq!(copies.len(), 2, "two copies loaded before the third failed");
		// It stops at the first failure rather than trying the rest.
		assert_eq!(loader.loaded.load(Ordering::SeqCst), 3);
	}

	#[test]
	fn the_first_copys_failure_is_the_versions() {
		let loader = Limited { works: 0, loaded: AtomicUsize::new(0) };
		let Err(e) = load_copies(&loader, Path::new("m.pt"), &spec(), 1, 4) else {
			panic!("a version whose first copy fails to load must not be served");
		};
		assert!(e.to_string().contains("out of memory"), "{e}");
		assert_eq!(loader.loaded.load(Ordering::SeqCst), 1);
	}

	#[test]
	fn every_copy_asked_for_is_loaded_when_all_load() {
		let loader = Limited { works: usize::MAX, loaded: AtomicUsize::new(0) };
		assert_eq!(load_copies(&loader, Path::new("m.pt"), &spec(), 1, 3).unwrap().len(), 3);
	}
}
