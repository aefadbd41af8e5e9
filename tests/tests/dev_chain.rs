//! A single `--dev` node, and the chain specs and node keys the local network
//! is built from.

use dropbear_api::runtime::runtime_types::sp_weights::weight_v2::Weight;
use dropbear_api::subxt::{error::EventsError, events::Event, PolkadotConfig};
use dropbear_api::{
	account, runtime, runtime::runtime_types::pallet_inference::pallet::Error as InferenceError,
	Chain,
};
use dropbear_e2e::{
	dev_key, dev_node_key, export_raw, node_binary, wait_finalized, Node, NodeSpec, Rpc,
};
use jsonrpsee::{core::client::ClientT, rpc_params};
use std::collections::BTreeMap;
use std::{process::Command, time::Duration};

#[tokio::test]
async fn dev_node_produces_and_finalizes_blocks_on_its_own() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	let finalized = wait_finalized(&node, 5, Duration::from_secs(90)).await.unwrap();

	let client = node.rpc().await.unwrap();
	let best = Rpc(&client).best_number().await.unwrap();
	assert!(best >= finalized, "best #{best} behind finalized #{finalized}");
	// One validator finalizes alone: finality trails the head by a few blocks.
	assert!(best - finalized <= 4, "finality lags: best #{best}, finalized #{finalized}");
	assert!(
		node.log().contains("ParityDb"),
		"the node did not open ParityDB:\n{}",
		node.log_tail(30)
	);

	// A transaction found by searching blocks for its hash (what a client
	// falls back on when the pool answers "already imported" to its only
	// submission) is the one its watcher reported, with the same events.
	let chain = Chain::connect(&node.ws_url(), Duration::from_secs(30)).await.unwrap();
	let (ferdie, bob) = (dev_key("Ferdie"), account(&dev_key("Bob")));
	let transfer = runtime::tx().balances().transfer_keep_alive(bob.into(), 1_000_000);
	let pending = chain.send(&ferdie, &transfer).await.unwrap();
	let (hash, from) = (pending.hash(), pending.first_block());
	let included = chain.settle(pending.included().await).unwrap();
	let found = chain.search(hash, from..from + 10, false).await.unwrap().unwrap();
	assert_eq!(found.block, included.block);
	assert_eq!(found.events.iter().count(), included.events.iter().count());
	// Both come from one read of the block per connection; subxt, reading
	// the block on its own, finds the same transaction with the same events.
	let at = chain.api().at_block(included.block).await.unwrap();
	let extrinsics = at.extrinsics().fetch().await.unwrap();
	let transfer = extrinsics
		.iter()
		.flatten()
		.find(|e| e.hash() == hash)
		.expect("subxt finds the transfer in the block the watcher named");
	assert_eq!(transfer.index() as u32, included.events.extrinsic_index());
	let events = transfer.events().await.unwrap();
	assert!(events.iter().count() >= 2, "a transfer leaves its events");
	// The same records, byte for byte: each extrinsic's events are cut out
	// of the block's once per connection.
	fn records<'a>(
		events: impl Iterator<Item = Result<Event<'a, PolkadotConfig>, EventsError>>,
	) -> Vec<Vec<u8>> {
		events.map(|e| e.expect("an event that decodes").bytes().to_vec()).collect()
	}
	assert_eq!(records(events.iter()), records(included.events.iter()));
	assert_eq!(
		included.events.all_events_in_block().bytes(),
		at.events().fetch().await.unwrap().bytes(),
		"the block's events"
	);
	// A failed one is found with its error's name: no group 99.
	let no_group = runtime::tx().inference().request_batch(99, vec![[1; 32]], 1);
	let pending = chain.send(&ferdie, &no_group).await.unwrap();
	let (hash, from) = (pending.hash(), pending.first_block());
	let watched = match pending.included().await {
		Ok(_) => panic!("a request to group 99 was taken"),
		Err(e) => e,
	};
	let Err(searched) = chain.search(hash, from..from + 10, false).await.unwrap() else {
		panic!("the search found the failed request a success");
	};
	// Both ways name the pallet's error, and type it for callers to match on.
	assert_eq!(searched.name, "Inference::UnknownGroup");
	assert!(watched.error.to_string().ends_with(&searched.name), "watched: {:#}", watched.error);
	for refusal in [watched.refusal.as_ref().expect("refused in a block"), &searched] {
		assert!(
			matches!(refusal.error, Some(runtime::Error::Inference(InferenceError::UnknownGroup))),
			"{refusal:?}"
		);
	}
	// A hash no block holds is an error once the range is searched.
	let best = u64::from(Rpc(&client).best_number().await.unwrap());
	match chain.search([7; 32].into(), best..best + 2, false).await {
		Err(e) => assert!(e.to_string().contains("not in blocks"), "{e:#}"),
		Ok(_) => panic!("found an extrinsic no block holds"),
	}

	// The block that ends a session takes transactions like any other (the
	// validator set pallet rotates at a benchmarked weight; the session
	// pallet's own hook booked the whole block). Root queues a backlog of
	// remarks under `sudo_unchecked_weight`, each booked at 45% of a block,
	// so that a block holds exactly one (normal transactions get 75%): from
	// the block that takes the first, every block takes one while the
	// backlog lasts, however late this test reads the blocks. It outlasts a
	// session (10 slots, a block in each on a dev chain), so the next
	// session change falls within it.
	const BACKLOG: usize = 14;
	let root = dev_key("Alice");
	let limits = chain
		.at(None)
		.await
		.unwrap()
		.constants()
		.entry(runtime::constants().system().block_weights())
		.unwrap();
	// The chain limits blocks by time only (its proof size limit is u64::MAX).
	let heavy = Weight { ref_time: limits.max_block.ref_time / 100 * 45, proof_size: 0 };
	let mut blocks = chain.api().stream_best_blocks().await.unwrap();
	for _ in 0..BACKLOG {
		let remark =
			runtime::Call::System(runtime::system::Call::remark { remark: b"dropbear".to_vec() });
		let call = runtime::tx().sudo().sudo_unchecked_weight(remark, heavy.clone());
		chain.send(&root, &call).await.unwrap();
	}
	let mut taken = 0;
	let (number, at, in_block) = loop {
		let block = blocks.next().await.expect("best blocks go on").unwrap();
		let at = chain.at(Some(block.hash())).await.unwrap();
		let in_block = at
			.extrinsics()
			.fetch()
			.await
			.unwrap()
			.find::<runtime::sudo::calls::SudoUncheckedWeight>()
			.filter(Result::is_ok)
			.count();
		assert!(in_block <= 1, "block #{} took {in_block} remarks booked at 45%", block.number());
		let before = taken;
		taken += in_block;
		// Blocks before the backlog's first are not counted: it may have
		// reached the pool after they were proposed.
		if before == 0 {
			continue;
		}
		let events = at.events().fetch().await.unwrap();
		let new_sessions = events.find::<runtime::session::events::NewSession>().count();
		if new_sessions > 0 {
			assert_eq!(new_sessions, 1, "block #{} rotated the session twice", block.number());
			break (block.number(), at, in_block);
		}
		assert!(taken < BACKLOG, "no session change in {taken} blocks (sessions are 10 slots)");
	};
	let booked = at.storage().fetch(runtime::storage().system().block_weight(), ()).await;
	assert_eq!(
		in_block,
		1,
		"session-change block #{number} took none of the {} remarks still queued (weight booked: {:?})",
		BACKLOG - taken,
		booked.map(|b| b.decode())
	);
}

fn export_chain_spec(chain: &str) -> serde_json::Value {
	let out = Command::new(node_binary())
		.args(["export-chain-spec", "--chain", chain])
		.output()
		.expect("export-chain-spec runs");
	assert!(
		out.status.success(),
		"export-chain-spec failed: {}",
		String::from_utf8_lossy(&out.stderr)
	);
	serde_json::from_slice(&out.stdout).expect("chain spec is JSON")
}

/// The first value under `key` anywhere in `json`.
fn find<'a>(json: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
	match json {
		serde_json::Value::Object(map) => {
			map.get(key).or_else(|| map.values().find_map(|v| find(v, key)))
		}
		serde_json::Value::Array(items) => items.iter().find_map(|v| find(v, key)),
		_ => None,
	}
}

fn peer_bytes(value: &serde_json::Value) -> Vec<u8> {
	match value {
		serde_json::Value::Array(items) => {
			items.iter().map(|b| b.as_u64().unwrap() as u8).collect()
		}
		serde_json::Value::String(hex_str) => {
			hex::decode(hex_str.trim_start_matches("0x")).unwrap()
		}
		other => panic!("unexpected peer id encoding: {other}"),
	}
}

#[test]
fn local_chain_spec_names_four_validators_and_allow_lists_their_nodes() {
	let spec = export_chain_spec("local");
	assert_eq!(spec["id"], "dropbear_local");
	let validators = find(&spec, "initialValidators").expect("validatorSet.initialValidators");
	assert_eq!(validators.as_array().unwrap().len(), 4, "validators: {validators}");
	let keys = find(&spec, "keys").expect("session.keys");
	assert_eq!(keys.as_array().unwrap().len(), 4, "session keys: {keys}");

	let nodes = find(&spec, "nodeAuthorization").and_then(|n| n.get("nodes")).expect("allow-list");
	let listed: Vec<Vec<u8>> =
		nodes.as_array().unwrap().iter().map(|entry| peer_bytes(&entry[0])).collect();
	for name in ["alice", "bob", "charlie", "dave"] {
		let (_, peer_id) = dev_node_key(name);
		let bytes = bs58::decode(&peer_id).into_vec().unwrap();
		assert!(listed.contains(&bytes), "{name}'s node {peer_id} is not allow-listed");
	}
	let (_, eve) = dev_node_key("eve");
	assert!(
		!listed.contains(&bs58::decode(&eve).into_vec().unwrap()),
		"eve must not be allow-listed at genesis"
	);
}

#[test]
fn dev_chain_spec_has_alice_alone() {
	let spec = export_chain_spec("dev");
	assert_eq!(spec["id"], "dropbear_dev");
	let validators = find(&spec, "initialValidators").expect("validatorSet.initialValidators");
	assert_eq!(validators.as_array().unwrap().len(), 1);
}

#[test]
fn fixed_node_keys_give_the_listed_peer_ids() {
	let dir = tempfile::tempdir().unwrap();
	for name in ["alice", "bob", "charlie", "dave", "eve"] {
		let (secret, peer_id) = dev_node_key(name);
		let file = dir.path().join(name);
		std::fs::write(&file, &secret).unwrap();
		let out = Command::new(node_binary())
			.args(["key", "inspect-node-key", "--file"])
			.arg(&file)
			.output()
			.unwrap();
		assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
		assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), peer_id, "{name}'s node key");
	}
}

/// A node given its genesis as JSON builds the storage with the runtime
/// compiled into it, not by running the spec's Wasm (node/src/genesis.rs):
/// the state it starts from must be the Wasm runtime's, key for key. Checked
/// for both built-in specs and for a spec file with an edited patch (as the
/// tests and the main job write them), against `export-chain-spec --raw`,
/// which builds the same spec's storage through its Wasm.
#[tokio::test]
async fn a_node_builds_its_json_genesis_natively_to_the_wasm_runtimes_storage() {
	let dir = tempfile::tempdir().unwrap();
	let mut exported = export_chain_spec("local");
	// An edited patch: Alice's balance halved.
	let alice = &mut exported["genesis"]["runtimeGenesis"]["patch"]["balances"]["balances"][0][1];
	*alice = (alice.as_u64().unwrap() / 2).into();
	let patched = dir.path().join("patched.json");
	std::fs::write(&patched, exported.to_string()).unwrap();
	for (i, chain) in ["dev", "local", patched.to_str().unwrap()].into_iter().enumerate() {
		let raw_file = dir.path().join("raw.json");
		export_raw(chain, &raw_file).unwrap();
		let raw: serde_json::Value =
			serde_json::from_slice(&std::fs::read(&raw_file).unwrap()).unwrap();
		let wasm_built: BTreeMap<String, String> =
			serde_json::from_value(raw["genesis"]["raw"]["top"].clone()).unwrap();
		assert_eq!(raw["genesis"]["raw"]["childrenDefault"], serde_json::json!({}));

		let spec = NodeSpec { name: format!("native-{i}"), chain: chain.into(), ..NodeSpec::dev() };
		let node = Node::start(spec, dir.path()).unwrap();
		let rpc = node.rpc().await.unwrap();
		let genesis = Rpc(&rpc).block_hash(0).await.unwrap().expect("block 0");
		let mut keys: Vec<String> = Vec::new();
		loop {
			let page: Vec<String> = rpc
				.request(
					"state_getKeysPaged",
					rpc_params!["0x", 512, keys.last().cloned(), genesis.clone()],
				)
				.await
				.unwrap();
			if page.is_empty() {
				break;
			}
			keys.extend(page);
		}
		let mut native_built = BTreeMap::new();
		for chunk in keys.chunks(256) {
			let sets: Vec<serde_json::Value> = rpc
				.request("state_queryStorageAt", rpc_params![chunk.to_vec(), genesis.clone()])
				.await
				.unwrap();
			for change in sets[0]["changes"].as_array().unwrap() {
				let (key, value) = (change[0].as_str().unwrap(), change[1].as_str());
				native_built
					.insert(key.to_string(), value.expect("a listed key has a value").to_string());
			}
		}
		assert_eq!(
			native_built.len(),
			wasm_built.len(),
			"{chain}: keys at genesis, natively built against the Wasm's"
		);
		for (key, value) in &wasm_built {
			assert_eq!(native_built.get(key), Some(value), "{chain}: genesis key {key}");
		}
		// The built-in specs take their presets from the native runtime:
		// they must be what the Wasm's GenesisBuilder API returns.
		let preset = match chain {
			"dev" => Some("development"),
			"local" => Some("local_testnet"),
			_ => None,
		};
		if let Some(id) = preset {
			use dropbear_api::subxt::ext::codec::{Decode, Encode};
			let argument = format!("0x{}", hex::encode(Some(id.to_string()).encode()));
			let answer: String = rpc
				.request(
					"state_call",
					rpc_params!["GenesisBuilder_get_preset", argument, genesis.clone()],
				)
				.await
				.unwrap();
			let bytes = hex::decode(answer.trim_start_matches("0x")).unwrap();
			let json = Option::<Vec<u8>>::decode(&mut &bytes[..]).unwrap().expect("the preset");
			let from_wasm: serde_json::Value = serde_json::from_slice(&json).unwrap();
			let in_spec = export_chain_spec(chain)["genesis"]["runtimeGenesis"]["patch"].clone();
			assert_eq!(in_spec, from_wasm, "{chain}: the preset in the spec is the Wasm's {id}");
		}
		assert!(
			node.log().contains("genesis storage built natively"),
			"{chain}: the node did not build its genesis natively:\n{}",
			node.log_tail(30)
		);
	}
}
