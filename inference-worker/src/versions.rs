//! The model versions this member serves: which files it has (by the
//! blake2-256 digest of their bytes), loading the version serving the best
//! block and any pending one (before its activation block) through the
//! backend's [`Loader`], pointing speculation at the version that serves
//! now, and unloading versions nothing needs any more.
//!
//! A version is served only from a file whose digest is the one on chain: a
//! version without such a file is refused (logged once) and never voted on.

use crate::{
	backend::Loader,
	batcher::{BatchConfig, Batcher},
	core::Core,
};
use anyhow::{anyhow, Context, Result};
use dropbear_api::{BlockNumber, Chain, Digest, Hash, ModelId, VersionNumber};
use std::{
	collections::{HashMap, HashSet},
	path::PathBuf,
	sync::{Arc, Mutex},
};

/// Model files by the blake2-256 digest of their bytes.
pub struct ModelFiles(HashMap<Digest, PathBuf>);

impl ModelFiles {
	pub fn read(paths: &[PathBuf]) -> Result<Self> {
		let mut map = HashMap::new();
		for path in paths {
			let bytes = std::fs::read(path)
				.with_context(|| format!("reading model file {}", path.display()))?;
			map.insert(dropbear_api::input_hash(&bytes), path.clone());
		}
		Ok(Self(map))
	}

	pub fn path(&self, digest: &Digest) -> Option<&PathBuf> {
		self.0.get(digest)
	}
}

/// The loaded versions of this member's model.
pub struct Versions {
	chain: Arc<Chain>,
	pub model: ModelId,
	core: Arc<Core>,
	files: ModelFiles,
	loader: Arc<dyn Loader>,
	batching: BatchConfig,
	/// Versions whose digest has no file here (logged once).
	missing: Mutex<HashSet<VersionNumber>>,
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
		Self { chain, model, core, files, loader, batching, missing: Mutex::new(HashSet::new()) }
	}

	/// Load the version serving block `at` (number `number`) and any pending
	/// one, and point speculation at the one serving `at`. Returns the
	/// versions the chain names now (current and pending).
	pub async fn sync(&self, at: Hash, number: BlockNumber) -> Result<Vec<VersionNumber>> {
		let info = self
			.chain
			.model(Some(at), self.model)
			.await?
			.ok_or_else(|| anyhow!("model {} is not on chain", self.model))?;
		let mut wanted = vec![info.current];
		if let Some(p) = &info.pending {
			wanted.push(p.version);
		}
		for &version in &wanted {
			if !self.core.has_version(version) {
				self.load(at, version).await?;
			}
		}
		// The version serving this block (a pending one from its activation block).
		let serving = match &info.pending {
			Some(p) if p.active_from <= number => p.version,
			_ => info.current,
		};
		if self.core.has_version(serving) {
			self.core.set_current(serving);
		}
		Ok(wanted)
	}

	/// Load `version` (named by block `at`) unless it is loaded.
	pub async fn ensure(&self, at: Hash, version: VersionNumber) -> Result<()> {
		if self.core.has_version(version) {
			return Ok(());
		}
		self.load(at, version).await
	}

	/// Load `version` from the file with its digest, if there is one.
	async fn load(&self, at: Hash, version: VersionNumber) -> Result<()> {
		let record =
			self.chain.version(Some(at), self.model, version).await?.ok_or_else(|| {
				anyhow!("version {version} of model {} has no record", self.model)
			})?;
		let digest = record.digest;
		let Some(path) = self.files.path(&digest).cloned() else {
			if self.missing.lock().unwrap_or_else(|p| p.into_inner()).insert(version) {
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
		let backend =
			tokio::task::spawn_blocking(move || loader.load(&path, &spec, classes)).await??;
		self.core.add_version(
			version,
			Batcher::start(backend, self.batching, self.core.metrics.clone()),
		);
		tracing::info!(
			target: "worker::versions",
			"loaded version {version} of model {} (digest 0x{})",
			self.model,
			hex::encode(digest)
		);
		Ok(())
	}

	/// Unload every loaded version not in `keep` (its model thread ends
	/// once the batches it is running finish).
	pub fn retain(&self, keep: &HashSet<VersionNumber>) {
		for version in self.core.versions() {
			if !keep.contains(&version) && version != self.core.current() {
				self.core.remove_version(version);
				tracing::info!(target: "worker::versions", "unloaded version {version} of model {}", self.model);
			}
		}
	}
}
