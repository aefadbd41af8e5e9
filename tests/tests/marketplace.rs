//! The marketplace registry on a real chain: the demo genesis (owners, models,
//! worker keys, group 0), a version update ordered across blocks, and a refused
//! call answered with the pallet's named error.

use dropbear_e2e::{chain, node_binary, wait_for, Node, NodeSpec};
use std::{process::Command, time::Duration};
use subxt::dynamic::{At, Value};
use subxt_signer::sr25519::dev;

fn ss58_of(suri: &str) -> String {
	let out = Command::new(node_binary()).args(["key", "inspect", suri]).output().unwrap();
	let text = String::from_utf8_lossy(&out.stdout).to_string();
	text.lines()
		.find_map(|l| l.trim().strip_prefix("SS58 Address:").map(|s| s.trim().to_string()))
		.unwrap_or_else(|| panic!("no SS58 address in: {text}"))
}

#[test]
fn demo_models_are_served_by_the_named_worker_keys() {
	let out = Command::new(node_binary())
		.args(["export-chain-spec", "--chain", "local"])
		.output()
		.unwrap();
	let spec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
	let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
	let models = patch["models"]["models"].as_array().expect("models in the genesis patch");
	assert_eq!(models.len(), 4);
	for (entry, owner) in models.iter().zip(["Alice", "Bob", "Charlie", "Dave"]) {
		assert_eq!(entry[0].as_str().unwrap(), ss58_of(&format!("//{owner}")), "owner of {entry}");
		assert_eq!(
			entry[5].as_str().unwrap(),
			ss58_of(&format!("//{owner}-worker")),
			"worker of {entry}"
		);
	}
	let groups = patch["models"]["groups"].as_array().unwrap();
	assert_eq!(groups.len(), 1);
	assert_eq!(groups[0][3], 3, "quorum");
	assert_eq!(groups[0][7], serde_json::json!([0, 1, 2, 3]), "members");
}

/// `models.publish_version(0, digest, TorchScript)` signed by `signer`.
async fn publish(
	api: &chain::Api,
	signer: &subxt_signer::sr25519::Keypair,
	digest: [u8; 32],
) -> anyhow::Result<chain::Events> {
	let format = Value::unnamed_variant("TorchScript", []);
	let args = vec![Value::u128(0), Value::from_bytes(digest), format];
	chain::submit(api, signer, "Models", "publish_version", args).await
}

fn number(v: &Value, field: &str) -> u128 {
	v.at(field).and_then(|f| f.as_u128()).unwrap_or_else(|| panic!("no number {field} in {v}"))
}

#[tokio::test]
async fn a_new_version_serves_from_its_activation_block_and_errors_are_named() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	node.rpc().await.unwrap();
	let api = chain::connect(&node.ws_url()).await.unwrap();

	// Group 0 from genesis takes requests: four members, quorum three.
	let group =
		chain::storage(&api, "Models", "Groups", vec![Value::u128(0)]).await.unwrap().unwrap();
	assert_eq!(group.at("active").and_then(|v| v.as_bool()), Some(true), "group 0: {group}");
	assert_eq!(number(&group, "quorum"), 3);

	// Alice publishes version 2 of her model 0.
	let events = publish(&api, &dev::alice(), [9u8; 32]).await.unwrap();
	let (_, _, published) = events
		.iter()
		.find(|(p, e, _)| p == "Models" && e == "VersionPublished")
		.expect("a VersionPublished event");
	assert_eq!(number(published, "version"), 2);
	let active_from = number(published, "active_from") as u32;

	// Until its block, version 1 serves; from it, version 2.
	let model =
		chain::storage(&api, "Models", "Models", vec![Value::u128(0)]).await.unwrap().unwrap();
	assert_eq!(number(&model, "current"), 1);
	let current = wait_for("model 0 to switch to version 2", Duration::from_secs(60), || async {
		let client = api.at_current_block().await?;
		let model = chain::storage(&api, "Models", "Models", vec![Value::u128(0)]).await?.unwrap();
		let current = number(&model, "current");
		Ok((current == 2).then_some((client.block_number(), current)))
	})
	.await
	.unwrap();
	assert!(
		current.0 >= u64::from(active_from),
		"version 2 served from #{} before #{active_from}",
		current.0
	);

	// Bob may not publish Alice's model: the chain says why, by name.
	let refused =
		publish(&api, &dev::bob(), [7u8; 32]).await.expect_err("bob cannot publish alice's model");
	assert!(format!("{refused:#}").contains("NotModelOwner"), "unexpected error: {refused:#}");
}
