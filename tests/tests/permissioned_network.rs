//! Four permissioned validators on loopback: an intruder, and root adding a
//! fifth validator. (Crashes, partitions and restarts of the four, under
//! load, are in `reliability.rs`.)

use dropbear_api::{
	account,
	runtime::{
		self,
		runtime_types::{
			dropbear_runtime::opaque::SessionKeys, sp_consensus_babe, sp_consensus_grandpa,
			sp_core::OpaquePeerId,
		},
	},
	subxt::utils::MultiAddress,
	Hash,
};
use dropbear_e2e::{
	chain::babe_author_index, dev_key, dev_node_key, wait_finalized, wait_for, Network, NodeSpec,
	Rpc,
};
use std::time::Duration;

const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

#[tokio::test]
async fn a_node_off_the_allow_list_gets_no_blocks() {
	let mut net = Network::local(&VALIDATORS).unwrap();
	wait_finalized(net.node("alice"), 3, Duration::from_secs(120)).await.unwrap();

	// Eve's node key is valid but not on the chain's allow-list.
	let intruder = NodeSpec {
		name: "intruder".into(),
		chain: "local".into(),
		dev_account: None,
		validator: false,
		node_key: Some(dev_node_key("eve").0),
		bootnodes: net.bootnodes(),
		extra: vec![],
		island: None,
	};
	net.add(intruder).unwrap();
	let alice = net.node("alice").rpc().await.unwrap();
	let (start, _) = Rpc(&alice).finalized().await.unwrap();
	wait_finalized(net.node("alice"), start + 10, Duration::from_secs(90)).await.unwrap();

	let intruder = net.node("intruder").rpc().await.unwrap();
	let best = Rpc(&intruder).best_number().await.unwrap();
	assert_eq!(best, 0, "a node off the allow-list imported blocks up to #{best}");
	assert_eq!(Rpc(&intruder).peers().await.unwrap(), 0, "a node off the allow-list kept peers");
}

#[tokio::test]
async fn root_adds_a_validator_which_then_authors_blocks() {
	let mut net = Network::local(&VALIDATORS).unwrap();
	wait_finalized(net.node("alice"), 2, Duration::from_secs(120)).await.unwrap();

	let eve_node = NodeSpec {
		name: "eve".into(),
		chain: "local".into(),
		dev_account: None,
		validator: true,
		node_key: Some(dev_node_key("eve").0),
		bootnodes: net.bootnodes(),
		extra: vec![],
		island: None,
	};
	net.add(eve_node).unwrap();

	let chain = net.node("alice").chain().await.unwrap();
	let root = dev_key("Alice");
	let eve = dev_key("Eve");
	let eve_account = account(&eve);

	// 1. Root allow-lists Eve's node, owned by Eve; her node then syncs.
	let (_, eve_peer) = dev_node_key("eve");
	let peer_bytes = bs58::decode(&eve_peer).into_vec().unwrap();
	let allow = runtime::node_authorization::Call::add_well_known_node {
		node: OpaquePeerId(peer_bytes),
		owner: MultiAddress::Id(eve_account),
	};
	chain.sudo(&root, runtime::Call::NodeAuthorization(allow)).await.unwrap();
	let (allowed_at, _) = Rpc(&net.node("alice").rpc().await.unwrap()).finalized().await.unwrap();
	wait_finalized(net.node("eve"), allowed_at, Duration::from_secs(90))
		.await
		.expect("eve's allow-listed node did not sync");

	// 2. Eve's node makes session keys and Eve registers them with a proof of
	//    possession.
	let eve_rpc = net.node("eve").rpc().await.unwrap();
	let generated: serde_json::Value = jsonrpsee::core::client::ClientT::request(
		&eve_rpc,
		"author_rotateKeysWithOwner",
		jsonrpsee::rpc_params![format!("0x{}", hex::encode(eve_account.0))],
	)
	.await
	.unwrap();
	let keys = hex::decode(generated["keys"].as_str().unwrap().trim_start_matches("0x")).unwrap();
	let proof = hex::decode(generated["proof"].as_str().unwrap().trim_start_matches("0x")).unwrap();
	assert_eq!(keys.len(), 64, "session keys are a BABE and a GRANDPA key");
	let (babe_key, grandpa_key) = keys.split_at(32);
	let babe_key: [u8; 32] = babe_key.try_into().unwrap();
	let grandpa_key: [u8; 32] = grandpa_key.try_into().unwrap();
	let session_keys = SessionKeys {
		babe: sp_consensus_babe::app::Public(babe_key),
		grandpa: sp_consensus_grandpa::app::Public(grandpa_key),
	};
	let set_keys = runtime::tx().session().set_keys(session_keys, proof);
	chain.submit_finalized(&eve, &set_keys).await.unwrap();

	// 3. Root adds Eve to the validator set.
	let add = runtime::validator_set::Call::add_validator { who: eve_account };
	chain.sudo(&root, runtime::Call::ValidatorSet(add)).await.unwrap();

	// 4. Two session changes later Eve is a session validator and authors blocks.
	wait_for("eve among the session validators", Duration::from_secs(120), || async {
		Ok(chain.session_validators(None).await?.contains(&eve_account).then_some(()))
	})
	.await
	.unwrap();

	let alice = net.node("alice").rpc().await.unwrap();
	// Blocks already looked at, so that each poll reads only the new ones.
	let checked = std::cell::Cell::new(0u32);
	let authored = wait_for("a block authored by eve", Duration::from_secs(120), || {
		let (alice, chain, checked) = (&alice, &chain, &checked);
		async move {
			let best = Rpc(alice).best_number().await?;
			let mut found = None;
			while checked.get() < best {
				checked.set(checked.get() + 1);
				let Some(hash) = Rpc(alice).block_hash(checked.get()).await? else { continue };
				let header = Rpc(alice).header(Some(&hash)).await?;
				let Some(index) = babe_author_index(&header.digest.logs) else { continue };
				let h: Hash = hash.parse()?;
				let authorities = chain.babe_authorities(Some(h)).await?;
				if authorities.get(index as usize) == Some(&babe_key) {
					found = Some(header.number);
					break;
				}
			}
			Ok(found)
		}
	})
	.await
	.unwrap();

	// With five validators finality goes on past Eve's block.
	wait_finalized(net.node("alice"), authored + 2, Duration::from_secs(60)).await.unwrap();
}
