//! A real fork, and a client on the side that loses it.
//!
//! Charlie's validator runs on an island (a network namespace) with
//! `--force-authoring`, so that, cut off, it goes on building blocks alone
//! in its slots (a validator with no peers otherwise waits for the
//! network). While the island is cut off, a client inside it
//! (`dropbear-order`) orders three digits through Charlie's node, and a
//! block of Charlie's fork holds the order; on the main chain, where the
//! other three validators finalize, Ferdie orders other digits, which take
//! the same request ids. Healed, Charlie's node drops its fork for the
//! finalized chain; its pool sends the order again and the main chain
//! orders it under other ids.
//!
//! Checked: the fork really carried the order (its ids there differ from
//! the final ones); the client follows its order to certificates of its
//! own requests for its own inputs, decided in finalized blocks (on the
//! fork, which no worker reaches, the batch would expire) with the right
//! labels, never Ferdie's;
//! Ferdie's orders keep their ids; Charlie's node is back on the finalized
//! chain. (Whether Charlie's member votes on the batch the order gets after
//! the heal depends on how soon its node catches up, so it is not checked.)

use dropbear_api::{
	worker_rpc::{InputBytes, WorkerApiClient},
	Certificate, Digest, RequestId,
};
use dropbear_client::{Client, Outcome, Output};
use dropbear_e2e::{
	dev_key,
	netns::{validators_with_islander, Island},
	node_binary, wait_finalized,
	workers::{all_ready, chain_spec_with_real_digests, models_dir, Worker, FILES, NAMES, PRICE},
	Node, Rpc,
};
use std::{
	path::Path,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

const ISLANDER: usize = 2;

/// The held-out digits (256 bytes each) and their labels.
fn digits() -> (Vec<Vec<u8>>, Vec<u8>) {
	let bytes = std::fs::read(models_dir().join("digits-test.bin")).unwrap();
	let labels = std::fs::read(models_dir().join("digits-test-labels.bin")).unwrap();
	(bytes.chunks(256).map(<[u8]>::to_vec).collect(), labels)
}

/// A process killed (and reaped) when the test ends, however it ends.
struct Process(Child);

impl Drop for Process {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

/// `dropbear-order` inside the island, ordering `inputs` as Eve through
/// Charlie's node; its output goes to `out`.
fn order_on_island(island: &Island, node: &Node, inputs: &[Digest], out: &Path) -> Process {
	let mut cmd = Command::new("ip");
	cmd.args(["netns", "exec", &island.place.netns])
		.arg(node_binary().with_file_name("dropbear-order"))
		.args(["--node", &node.ws_url(), "--key", "//Eve", "--group", "0"]);
	for input in inputs {
		cmd.args(["--input-hash", &format!("0x{}", hex::encode(input))]);
	}
	let file = std::fs::File::create(out).unwrap();
	cmd.stdout(Stdio::from(file.try_clone().unwrap()))
		.stderr(Stdio::from(file))
		.spawn()
		.map(Process)
		.expect("starting dropbear-order")
}

/// The lines of `out` that start with `tag`, without it.
fn said(out: &Path, tag: &str) -> Vec<String> {
	std::fs::read_to_string(out)
		.unwrap_or_default()
		.lines()
		.filter_map(|l| l.strip_prefix(tag).map(|rest| rest.trim().to_string()))
		.collect()
}

#[tokio::test]
async fn a_client_on_a_fork_that_loses_follows_its_order_to_its_own_certificates_on_the_chain_that_wins(
) {
	let dir = tempfile::tempdir().unwrap();
	// Dropped after the nodes (declared before them): its namespace outlives them.
	let island = Island::create(1).unwrap();
	let spec = chain_spec_with_real_digests(dir.path(), "local");
	// Cut off, Charlie's validator goes on building blocks alone.
	let nodes =
		validators_with_islander(dir.path(), &spec.to_string_lossy(), &island, ISLANDER, |i, n| {
			if i == ISLANDER {
				n.extra.push("--force-authoring".into());
			}
		});
	for node in &nodes {
		wait_finalized(node, 1, Duration::from_secs(120)).await.unwrap();
	}
	// Each worker follows its own validator, then Alice's (Charlie's fails
	// over to Alice's when the cut leaves it no way to its own).
	let workers: Vec<Worker> = NAMES
		.iter()
		.zip(FILES)
		.enumerate()
		.map(|(i, (name, file))| {
			let mut urls = vec![nodes[i].ws_url()];
			if i != 0 {
				urls.push(nodes[0].ws_url());
			}
			Worker::start_on(dir.path(), &urls, name, &[file], None, None, None, &[])
		})
		.collect();
	all_ready(&workers).await;
	let client = Client::connect(&nodes[0].ws_url()).await.unwrap();
	let worker_rpc =
		jsonrpsee::http_client::HttpClientBuilder::default().build(workers[0].rpc_url()).unwrap();
	let (images, labels) = digits();
	let send = async |i: usize| -> Digest {
		worker_rpc.submit_input(0, InputBytes(images[i].clone())).await.unwrap().0
	};
	// Eve's three digits reach every member before the cut; only her order
	// goes through the island.
	let eve_inputs = vec![send(0).await, send(1).await, send(2).await];
	let ferdie = dev_key("Ferdie");
	let warm = client.order(&ferdie, 0, &[send(3).await], PRICE).await.unwrap();
	let mut warm_order = warm.clone();
	let first = client.wait_ordered(&mut warm_order, 0, Duration::from_secs(90)).await.unwrap();
	assert!(matches!(first.outcome, Outcome::Certified(_)), "{first:?}");

	// The cut. Eve orders on Charlie's fork; Ferdie orders on the main chain
	// (every 2 s until Eve's order is in a block of the fork, and once more).
	island.cut().unwrap();
	let out = dir.path().join("order.out");
	let mut eve = order_on_island(&island, &nodes[ISLANDER], &eve_inputs, &out);
	let mut ferdie_orders = Vec::new();
	let mut next = 4;
	let on_fork: Vec<RequestId> = loop {
		let inputs = vec![send(next).await, send(next + 1).await];
		ferdie_orders.push(client.order(&ferdie, 0, &inputs, PRICE).await.unwrap());
		next += 2;
		if let Some(ids) = said(&out, "ordered").first() {
			break serde_json::from_str(ids).unwrap();
		}
		if next >= 60 || eve.0.try_wait().unwrap().is_some() {
			panic!(
				"Eve's order never reached a block of Charlie's fork (or her client stopped): {}",
				std::fs::read_to_string(&out).unwrap_or_default()
			);
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	};
	let inputs = vec![send(next).await, send(next + 1).await];
	ferdie_orders.push(client.order(&ferdie, 0, &inputs, PRICE).await.unwrap());
	let ferdie_ids: Vec<RequestId> = ferdie_orders.iter().flat_map(|o| o.ids()).collect();
	assert!(
		on_fork.iter().any(|id| ferdie_ids.contains(id)),
		"the main chain gave Ferdie none of the ids Eve has on the fork: {on_fork:?}, {ferdie_ids:?}"
	);

	// The main chain finalizes Ferdie's orders before the heal, so that the
	// fork that loses is Charlie's (BABE alone prefers the chain with more
	// primary blocks, which a short stretch of either side can have).
	let rpc = nodes[0].rpc().await.unwrap();
	let best = Rpc(&rpc).best_number().await.unwrap();
	wait_finalized(&nodes[0], best, Duration::from_secs(60)).await.unwrap();

	// Healed: Charlie's node takes the finalized chain, and the order comes
	// back through its pool.
	island.heal().unwrap();
	let deadline = Instant::now() + Duration::from_secs(240);
	let exited = loop {
		if let Some(status) = eve.0.try_wait().unwrap() {
			break status;
		}
		if Instant::now() > deadline {
			panic!(
				"Eve's client did not follow its order to its certificates: {}",
				std::fs::read_to_string(&out).unwrap_or_default()
			);
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	};
	let printed = std::fs::read_to_string(&out).unwrap_or_default();
	assert!(exited.success(), "{printed}");
	let decided: Vec<Certificate> =
		said(&out, "decided").iter().map(|c| serde_json::from_str(c).unwrap()).collect();
	assert_eq!(decided.len(), 3, "{printed}");
	let eve_account = dropbear_client::account(&dev_key("Eve"));
	for (i, cert) in decided.iter().enumerate() {
		assert_eq!((cert.client, cert.input_hash), (eve_account, eve_inputs[i]), "{cert:?}");
		assert_eq!(
			cert.outcome,
			Outcome::Certified(Output::Label(u32::from(labels[i]))),
			"{cert:?}"
		);
		// The same, read from the main chain by its final id.
		let there = client.certificate(cert.request).await.unwrap().unwrap();
		assert_eq!((there.client, there.input_hash), (eve_account, eve_inputs[i]));
	}
	let finals: Vec<RequestId> = decided.iter().map(|c| c.request).collect();
	assert_ne!(finals, on_fork, "the order kept its ids: the fork did not carry it");
	eprintln!(
		"fork: Eve's order had ids {on_fork:?} on Charlie's fork, {finals:?} on the chain that won"
	);

	// And Ferdie's orders, made on the main chain, kept their ids.
	for mut order in ferdie_orders {
		let ids = order.ids();
		for (i, id) in ids.iter().enumerate() {
			let cert = client.wait_ordered(&mut order, i, Duration::from_secs(90)).await.unwrap();
			assert_eq!(cert.request, *id);
		}
	}
	// Charlie's node holds the main chain's block where its fork had its own.
	let charlie = nodes[ISLANDER].rpc().await.unwrap();
	assert_eq!(
		Rpc(&charlie).block_hash(best).await.unwrap(),
		Rpc(&rpc).block_hash(best).await.unwrap(),
		"Charlie's node is not on the finalized chain"
	);
}
