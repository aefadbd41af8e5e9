//! JSON-RPC methods beyond Substrate's defaults (`system_*`, `chain_*`,
//! `state_*`, `author_*` come from the service): account nonces, fee queries,
//! BABE epoch authorship, GRANDPA finality proofs, and the `inference_*`
//! methods of [`crate::inference_rpc`].

use crate::service::{FullClient, TransactionPool};
use dropbear_runtime::opaque::Block;
use jsonrpsee::RpcModule;
use sc_consensus_babe::BabeWorkerHandle;
use sc_consensus_grandpa::{
	FinalityProofProvider, GrandpaJustificationStream, SharedAuthoritySet, SharedVoterState,
};
use sc_rpc::SubscriptionTaskExecutor;
use sp_keystore::KeystorePtr;
use std::sync::Arc;

type FullBackend = sc_service::TFullBackend<Block>;

/// What the RPC methods read from.
pub struct Deps {
	pub client: Arc<FullClient>,
	pub pool: Arc<TransactionPool>,
	pub select_chain: sc_consensus::LongestChain<FullBackend, Block>,
	pub keystore: KeystorePtr,
	pub babe_worker: BabeWorkerHandle<Block>,
	pub shared_voter_state: SharedVoterState,
	pub shared_authority_set: SharedAuthoritySet<
		<Block as sp_runtime::traits::Block>::Hash,
		sp_runtime::traits::NumberFor<Block>,
	>,
	pub justification_stream: GrandpaJustificationStream<Block>,
	pub finality_provider: Arc<FinalityProofProvider<FullBackend, Block>>,
}

/// Build the node's extra RPC methods.
pub fn create_full(
	deps: &Deps,
	executor: SubscriptionTaskExecutor,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>> {
	use crate::inference_rpc::InferenceApiServer;
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use sc_consensus_babe_rpc::{Babe, BabeApiServer};
	use sc_consensus_grandpa_rpc::{Grandpa, GrandpaApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	module.merge(System::new(deps.client.clone(), deps.pool.clone()).into_rpc())?;
	module.merge(TransactionPayment::new(deps.client.clone()).into_rpc())?;
	module.merge(
		Babe::new(
			deps.client.clone(),
			deps.babe_worker.clone(),
			deps.keystore.clone(),
			deps.select_chain.clone(),
		)
		.into_rpc(),
	)?;
	module.merge(
		crate::inference_rpc::Inference::new(
			deps.client.clone(),
			deps.shared_authority_set.clone(),
			deps.justification_stream.clone(),
			executor.clone(),
		)
		.into_rpc(),
	)?;
	module.merge(
		Grandpa::new(
			executor,
			deps.shared_authority_set.clone(),
			deps.shared_voter_state.clone(),
			deps.justification_stream.clone(),
			deps.finality_provider.clone(),
		)
		.into_rpc(),
	)?;
	Ok(module)
}
