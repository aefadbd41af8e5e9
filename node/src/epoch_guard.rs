//! BABE's epoch-change tree kept to blocks this node holds.
//!
//! `sc-consensus-babe` adds an epoch-change block to its in-memory tree of
//! epoch changes before the block reaches the database, and puts the tree
//! back only when the rest of the import returns an error. An import that
//! ends any other way without the block (the client answering
//! `MissingState`, `UnknownParent` or `KnownBad`; an early return, such as
//! "No block weight for parent header", after the tree changed) leaves a
//! node for a block the database lacks. From then on every pruning of the
//! tree, which BABE runs at each epoch-change import, fails to read that
//! block's header ("Import failed: Client error: UnknownBlock: Header was
//! not found in the database"), and the node imports nothing more: the
//! healed validator of the reliability test, stuck at the block before the
//! one named (docs/reliability.md).
//!
//! [`EpochGuard`] wraps BABE's block import. After an import that did not
//! bring its block in, it looks for a node of that block in the tree; if the
//! database has no header for it, the tree is reloaded from the database's
//! own copy (BABE writes the tree into each epoch-change block's import
//! transaction, so that copy holds every completed import and nothing
//! else). The check takes the tree's lock, so it waits for an import in
//! progress; a block that did come in (by this import or a concurrent one)
//! has its header, and nothing is reloaded.

use crate::service::FullClient;
use dropbear_runtime::opaque::Block;
use sc_consensus::{BlockCheckParams, BlockImport, BlockImportParams, ImportResult};
use sc_consensus_babe::BabeLink;
use sp_consensus::Error as ConsensusError;
use sp_runtime::traits::Block as BlockT;
use std::sync::Arc;

/// BABE's block import, with its epoch-change tree put right after an
/// import that leaves a block the database lacks in it.
#[derive(Clone)]
pub struct EpochGuard<I> {
	inner: I,
	client: Arc<FullClient>,
	link: BabeLink<Block>,
}

impl<I> EpochGuard<I> {
	pub fn new(inner: I, client: Arc<FullClient>, link: BabeLink<Block>) -> Self {
		Self { inner, client, link }
	}

	/// Reload the tree from the database if it holds a node for `hash`,
	/// a block the database does not hold.
	fn repair(&self, hash: <Block as BlockT>::Hash) {
		let mut changes = self.link.epoch_changes().shared_data();
		if !changes.tree().iter().any(|(node, _, _)| *node == hash) {
			return;
		}
		match self.client.header(hash) {
			Ok(Some(_)) => return,
			Ok(None) => {}
			Err(e) => {
				log::warn!(target: "babe", "epoch guard: reading the header of {hash}: {e}");
				return;
			}
		}
		match sc_consensus_babe::aux_schema::load_epoch_changes::<Block, _>(
			&*self.client,
			self.link.config(),
		) {
			Ok(stored) => {
				*changes = stored.shared_data().clone();
				log::warn!(
					target: "babe",
					"epoch guard: the epoch-change tree kept block {hash}, which was not imported; reloaded the tree from the database"
				);
			}
			Err(e) => log::error!(
				target: "babe",
				"epoch guard: block {hash}, not imported, is in the epoch-change tree, and the stored tree cannot be read: {e}"
			),
		}
	}
}

#[async_trait::async_trait]
impl<I> BlockImport<Block> for EpochGuard<I>
where
	I: BlockImport<Block, Error = ConsensusError> + Send + Sync,
{
	type Error = ConsensusError;

	async fn check_block(
		&self,
		block: BlockCheckParams<Block>,
	) -> Result<ImportResult, Self::Error> {
		self.inner.check_block(block).await
	}

	async fn import_block(
		&self,
		block: BlockImportParams<Block>,
	) -> Result<ImportResult, Self::Error> {
		let hash = block.post_hash();
		let result = self.inner.import_block(block).await;
		if !matches!(result, Ok(ImportResult::Imported(_))) {
			self.repair(hash);
		}
		result
	}
}
