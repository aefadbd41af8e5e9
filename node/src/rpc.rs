//! JSON-RPC methods beyond Substrate's defaults (`system_*`, `chain_*`,
//! `state_*`, `author_*` come from the service): account nonces, fee queries,
//! BABE epoch authorship, GRANDPA finality proofs, and the `inference_*`
//! methods of `pallet-inference-rpc`.
//!
//! Generic over the client and the pool: this file names the runtime APIs the
//! methods need, not the service's concrete types (so `service.rs` depends on
//! this file, and not the other way round).

use dropbear_runtime::{opaque::Block, AccountId, Balance, Nonce};
use jsonrpsee::RpcModule;
use sc_consensus_babe::BabeWorkerHandle;
use sc_consensus_grandpa::{
	FinalityProofProvider, GrandpaJustificationStream, SharedAuthoritySet, SharedVoterState,
};
use sc_rpc::SubscriptionTaskExecutor;
use sc_transaction_pool_api::TransactionPool;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderMetadata};
use sp_consensus::SelectChain;
use sp_keystore::KeystorePtr;
use std::sync::Arc;

type Hash = <Block as sp_runtime::traits::Block>::Hash;
type BlockNumber = sp_runtime::traits::NumberFor<Block>;

/// What the RPC methods read from.
pub struct Deps<C, P, SC, B> {
	pub client: Arc<C>,
	pub pool: Arc<P>,
	pub select_chain: SC,
	pub keystore: KeystorePtr,
	pub babe_worker: BabeWorkerHandle<Block>,
	pub shared_voter_state: SharedVoterState,
	pub shared_authority_set: SharedAuthoritySet<Hash, BlockNumber>,
	pub justification_stream: GrandpaJustificationStream<Block>,
	pub finality_provider: Arc<FinalityProofProvider<B, Block>>,
}

/// Build the node's extra RPC methods.
pub fn create_full<C, P, SC, B>(
	deps: &Deps<C, P, SC, B>,
	executor: SubscriptionTaskExecutor,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: pallet_inference_rpc::InferenceClient<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ sp_consensus_babe::BabeApi<Block>
		+ BlockBuilder<Block>
		+ pallet_inference_rpc::InferenceRuntimeApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool<Block = Block, Hash = Hash> + 'static,
	SC: SelectChain<Block> + 'static,
	B: sc_client_api::Backend<Block> + Send + Sync + 'static,
	B::State: sc_client_api::StateBackend<sp_runtime::traits::HashingFor<Block>>,
{
	use pallet_inference_rpc::{Inference, InferenceApiServer};
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
		Inference::<C, Block, AccountId, Balance>::new(
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
