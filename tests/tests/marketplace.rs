//! The marketplace registry on a real chain: the demo genesis (owners, models,
//! worker keys, group 0), a version update ordered across blocks, and a refused
//! call answered with the pallet's named error.

use dropbear_api::{
	runtime::{self, models::events::VersionPublished},
	Chain, Digest, Included, Keypair, Static, WeightsFormat,
};
use dropbear_e2e::{chain::refused, dev_key, node_binary, wait_for, Node, NodeSpec};
use std::{process::Command, time::Duration};

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

/// `models.publish_version(0, digest, TorchScript)` signed by `signer`,
/// waiting for finality.
async fn publish(chain: &Chain, signer: &Keypair, digest: Digest) -> anyhow::Result<Included> {
	let call =
		runtime::tx().models().publish_version(0, digest, Static(WeightsFormat::TorchScript));
	chain.submit_finalized(signer, &call).await
}

#[tokio::test]
async fn a_new_version_serves_from_its_activation_block_and_errors_are_named() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(NodeSpec::dev(), dir.path()).unwrap();
	node.rpc().await.unwrap();
	let chain = node.chain().await.unwrap();

	// Group 0 from genesis takes requests: four members, quorum three.
	let group = chain.group(None, 0).await.unwrap().expect("group 0");
	assert!(group.active, "group 0: {group:?}");
	assert_eq!(group.quorum, 3);

	// Alice publishes version 2 of her model 0.
	let included = publish(&chain, &dev_key("Alice"), [9u8; 32]).await.unwrap();
	let published = included
		.events
		.find_first::<VersionPublished>()
		.expect("a VersionPublished event")
		.unwrap();
	assert_eq!(published.version, 2);
	let active_from = published.active_from;

	// Until its block, version 1 serves; from it, version 2.
	let model = chain.model(None, 0).await.unwrap().unwrap();
	assert_eq!(model.current, 1);
	let current = wait_for("model 0 to switch to version 2", Duration::from_secs(60), || async {
		let at = chain.at(None).await?;
		let model = chain.model(Some(at.block_hash()), 0).await?.unwrap();
		let current = model.current;
		Ok((current == 2).then_some((at.block_number(), current)))
	})
	.await
	.unwrap();
	assert!(
		current.0 >= u64::from(active_from),
		"version 2 served from #{} before #{active_from}",
		current.0
	);

	// Bob may not publish Alice's model: the chain says why, by name.
	let err = refused(
		publish(&chain, &dev_key("Bob"), [7u8; 32]).await,
		"bob cannot publish alice's model",
	);
	assert!(err.contains("NotModelOwner"), "unexpected error: {err}");
}
