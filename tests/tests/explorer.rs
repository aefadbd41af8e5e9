//! The web explorer against a real archive-mode dev node, read by headless
//! Chromium (Debian's `chromium-headless-shell`, installed by
//! scripts/setup.sh): certificates, a group, a member with its slash, search,
//! exports, the live feed, bad input, an explorer restart that resumes its
//! index, and a node that goes away and comes back.
//!
//! Every expected value is read from the chain by the test itself (the
//! client library and block events), never written in by hand. With
//! `EXPLORER_SCREENSHOTS=DIR` the test also saves the main pages as PNGs
//! (docs/explorer.md shows them).

use dropbear_api::{
	account, primitives::commitment, runtime, runtime::inference::events, Chain, Output,
};
use dropbear_client::{Certificate, Client, Outcome};
use dropbear_e2e::{dev_key, free_port, node_binary, wait_for, worker_key, Node, NodeSpec};
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::Duration,
};

const PRICE: u128 = 10_000_000_000;

/// `dropbear explorer` as a child process, killed on drop.
struct Explorer {
	child: Option<Child>,
	base: String,
	log: PathBuf,
}

impl Explorer {
	fn start(node: &Node, db: &Path, port: u16, log: PathBuf) -> Explorer {
		let file = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
		let child = Command::new(node_binary().with_file_name("dropbear"))
			.args(["--node", &node.ws_url(), "explorer", "--listen"])
			.arg(format!("127.0.0.1:{port}"))
			.arg("--db")
			.arg(db)
			.stdout(Stdio::from(file.try_clone().unwrap()))
			.stderr(Stdio::from(file))
			.spawn()
			.expect("starting dropbear explorer");
		Explorer { child: Some(child), base: format!("http://127.0.0.1:{port}"), log }
	}

	fn stop(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
			let _ = child.wait();
		}
	}

	fn log(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	/// GET a path: (HTTP status, body).
	fn get(&self, path: &str) -> (u16, String) {
		let out = Command::new("curl")
			.args(["-s", "-w", "\n%{http_code}", &format!("{}{path}", self.base)])
			.output()
			.expect("running curl");
		let text = String::from_utf8_lossy(&out.stdout).into_owned();
		let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
		(code.trim().parse().unwrap_or(0), body.to_string())
	}

	fn status(&self) -> serde_json::Value {
		serde_json::from_str(&self.get("/api/status").1).unwrap_or_default()
	}

	/// Wait until the index holds block `number` (and the node is connected).
	async fn wait_indexed(&self, number: u32) {
		wait_for(&format!("the explorer to index #{number}"), Duration::from_secs(90), || async {
			let s = self.status();
			Ok((s["connected"] == true && s["indexed"].as_u64().unwrap_or(0) >= u64::from(number))
				.then_some(()))
		})
		.await
		.unwrap_or_else(|e| panic!("{e:#}; status {}; log:\n{}", self.status(), self.log()));
	}
}

impl Drop for Explorer {
	fn drop(&mut self) {
		self.stop();
	}
}

fn chromium() -> String {
	std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium-headless-shell".into())
}

/// The page's DOM after its scripts ran for 3 s of (virtual) time, as
/// headless Chromium renders it. The home page must be opened with
/// `?live=0`: its open event stream would keep the page loading forever.
fn browser_dom(url: &str) -> String {
	let out = Command::new(chromium())
		.args(["--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", "--dump-dom", url])
		.output()
		.unwrap_or_else(|e| panic!("running {} (scripts/setup.sh installs it): {e}", chromium()));
	assert!(out.status.success(), "chromium on {url}: {}", String::from_utf8_lossy(&out.stderr));
	String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A screenshot of `url` into `$EXPLORER_SCREENSHOTS/name.png`, when set.
fn screenshot(url: &str, name: &str) {
	let Ok(dir) = std::env::var("EXPLORER_SCREENSHOTS") else { return };
	std::fs::create_dir_all(&dir).unwrap();
	let out = Command::new(chromium())
		.args(["--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1000"])
		.arg("--virtual-time-budget=3000")
		.arg(format!("--screenshot={dir}/{name}.png"))
		.arg(url)
		.output()
		.unwrap();
	assert!(out.status.success(), "screenshot of {url}");
}

/// Members vote `labels` on `batch` (commit, then reveal) with their worker keys.
async fn vote(chain: &Chain, owner: &str, batch: u64, labels: &[u32]) {
	let outputs = labels.iter().map(|l| Output::Label(*l)).collect();
	dropbear_e2e::chain::vote(chain, &worker_key(owner), batch, 1, outputs).await.unwrap();
}

/// FeesPaid per owner in finalized blocks `from..=to`, read from the chain's events.
async fn fees_paid(chain: &Chain, from: u32, to: u32) -> BTreeMap<String, u128> {
	let mut totals = BTreeMap::new();
	for n in from..=to {
		let events = chain.at_number(n).await.unwrap().events().fetch().await.unwrap();
		for e in events.find::<events::FeesPaid>() {
			let e = e.unwrap();
			*totals.entry(e.owner.to_string()).or_default() += e.amount;
		}
	}
	totals
}

fn outcome_text(c: &Certificate) -> String {
	match &c.outcome {
		Outcome::Certified(Output::Label(l)) => format!("certified label {l}"),
		Outcome::NoAgreement => "no agreement".into(),
		other => panic!("unexpected outcome {other:?}"),
	}
}

#[tokio::test]
async fn the_explorer_shows_history_records_and_proofs_in_a_browser_and_rides_out_restarts() {
	let dir = tempfile::tempdir().unwrap();
	let mut node = Node::start(NodeSpec::dev().archive(), dir.path()).unwrap();
	node.rpc().await.unwrap();
	let client = Client::connect(&node.ws_url()).await.unwrap();
	let chain = &client.chain;

	// Ferdie orders three inputs. Dave's worker equivocates on their batch
	// (two commitments), and is slashed; Alice, Bob and Charlie agree on the
	// first two inputs and split on the third.
	let ferdie = dev_key("Ferdie");
	let inputs = [[11; 32], [12; 32], [13; 32]];
	let ids = client.request_batch(&ferdie, 0, &inputs, PRICE).await.unwrap();
	let batch = client.certificate(ids[0]).await.unwrap().unwrap().batch;
	let dave = worker_key("Dave");
	let model_of_dave = chain.worker_model(None, &account(&dave)).await.unwrap().unwrap();
	let first = commitment(batch, model_of_dave, 1, &[], &[1; 32]);
	let second = commitment(batch, model_of_dave, 1, &[], &[2; 32]);
	let requests = dropbear_e2e::chain::requests_of(chain, batch).await.unwrap();
	chain
		.submit(&dave, &runtime::tx().inference().commit_for_requests(batch, requests, first))
		.await
		.unwrap();
	let equivocation = chain
		.submit(&dave, &runtime::tx().inference().commit_for_requests(batch, requests, second))
		.await
		.unwrap();
	let slash = equivocation.events.find_first::<events::Equivocated>().unwrap().unwrap();
	assert!(slash.slashed > 0, "Dave's owner was not slashed");
	tokio::join!(
		vote(chain, "Alice", batch, &[1, 2, 3]),
		vote(chain, "Bob", batch, &[1, 2, 4]),
		vote(chain, "Charlie", batch, &[1, 2, 5]),
	);
	let mut certificates = Vec::new();
	for id in &ids {
		certificates.push(client.wait_certificate(*id, Duration::from_secs(60)).await.unwrap());
	}
	assert_eq!(certificates[0].outcome, Outcome::Certified(Output::Label(1)));
	assert_eq!(certificates[2].outcome, Outcome::NoAgreement);
	// Fees are paid and records counted when the batch closes at its deadline.
	let deadline = client.batch(batch).await.unwrap().unwrap().deadline;
	let final_block =
		dropbear_e2e::wait_finalized(&node, deadline + 1, Duration::from_secs(90)).await.unwrap();

	// The explorer indexes the finalized chain from the archive node.
	let db = dir.path().join("explorer.sqlite");
	let port = free_port();
	let mut explorer = Explorer::start(&node, &db, port, dir.path().join("explorer.log"));
	explorer.wait_indexed(final_block).await;
	let base = explorer.base.clone();

	// A certificate page: the chain's values, each member's version and
	// digest and vote, and the proof checked offline, check by check.
	let c = &certificates[0];
	let dom = browser_dom(&format!("{base}/certificate/{}", c.request));
	assert!(dom.contains(&format!(r#"<span id="outcome">{}</span>"#, outcome_text(c))), "{dom}");
	assert!(dom.contains(r#"<span id="finality">finalized (indexed)</span>"#), "{dom}");
	for v in &c.versions {
		let digest = format!("0x{}", hex::encode(v.digest));
		let vote = if c.agreed.contains(&v.model) {
			"agreed"
		} else if c.dissented.contains(&v.model) {
			"dissented"
		} else {
			"did not vote"
		};
		let row = format!(r#"<td><a href="/member/0/{m}">{m}</a></td>"#, m = v.model);
		let at = dom.find(&row).unwrap_or_else(|| panic!("no row for model {}: {dom}", v.model));
		let row_html = &dom[at..at + dom[at..].find("</tr>").unwrap()];
		assert!(
			row_html.contains(&digest),
			"model {}'s digest {digest} missing: {row_html}",
			v.model
		);
		assert!(
			row_html.contains(&format!("<td>{vote}</td>")),
			"model {} should show {vote}: {row_html}",
			v.model
		);
	}
	assert!(c.not_voted.contains(&model_of_dave), "Dave's member voted: {c:?}");
	let verification = &dom[dom.find(r#"id="verification""#).expect("a verification table")..];
	// Five checks of the proof, and that it proves this very certificate.
	assert_eq!(verification.matches(r#"class="passed">passed"#).count(), 6, "{verification}");
	assert!(dom.contains("Verified against authority set"), "{dom}");
	screenshot(&format!("{base}/certificate/{}", c.request), "certificate");

	// The JSON export is the chain's certificate.
	let (code, json) = explorer.get(&format!("/api/certificate/{}", c.request));
	assert_eq!(code, 200);
	let exported: serde_json::Value = serde_json::from_str(&json).unwrap();
	assert_eq!(exported["final"], true);
	let from_chain: Certificate = serde_json::from_value(exported["certificate"].clone()).unwrap();
	assert_eq!(&from_chain, c);

	// The group page: counts and fees as the chain has them.
	let group_certs = client
		.certificates(&dropbear_client::CertificateQuery {
			group: Some(0),
			..dropbear_client::query_all()
		})
		.await
		.unwrap()
		.certificates;
	let decided = group_certs.iter().filter(|c| c.outcome != Outcome::Pending).count();
	let certified =
		group_certs.iter().filter(|c| matches!(c.outcome, Outcome::Certified(_))).count();
	let dom = browser_dom(&format!("{base}/group/0"));
	assert!(dom.contains(&format!(r#"<span id="decided">{decided}</span>"#)), "{dom}");
	assert!(dom.contains(&format!(r#"<span id="certified">{certified}</span>"#)), "{dom}");
	let quorum = client.group(0).await.unwrap().unwrap().quorum;
	assert!(dom.contains(&format!(r#"<span id="quorum">{quorum}</span>"#)), "{dom}");
	assert!(dom.contains(r#"<figure id="plot-certified">"#) && dom.contains("<polyline"), "{dom}");
	let fees = fees_paid(chain, 1, final_block).await;
	assert!(!fees.is_empty(), "no fees were paid");
	let (code, csv) = explorer.get("/list/fee-totals?group=0&format=csv");
	assert_eq!(code, 200);
	let exported: BTreeMap<String, u128> = csv
		.lines()
		.skip(1)
		.map(|l| {
			let (owner, total) = l.split_once(',').unwrap();
			(owner.to_string(), total.parse().unwrap())
		})
		.collect();
	assert_eq!(exported, fees);
	screenshot(&format!("{base}/group/0"), "group");

	// Dave's member page: the slash, the chain's record, the indexed tally.
	let record = client.member_record(0, model_of_dave).await.unwrap();
	assert_eq!(record.equivocated, 1);
	let dom = browser_dom(&format!("{base}/member/0/{model_of_dave}"));
	let slashes = &dom[dom.find(r#"<table id="slashes">"#).expect("a slashes table")..];
	assert!(slashes.contains(&format!("<td>{}</td>", slash.slashed)), "{slashes}");
	assert!(dom.contains("<dt>equivocated</dt><dd>1</dd>"), "{dom}");
	let not_voted = certificates.iter().filter(|c| c.not_voted.contains(&model_of_dave)).count();
	assert!(dom.contains(&format!(r#"<span id="tally-not-voted">{not_voted}</span>"#)), "{dom}");
	assert!(dom.contains(r#"<table id="versions">"#), "{dom}");
	screenshot(&format!("{base}/member/0/{model_of_dave}"), "member");

	// Search: an input hash (with or without 0x) finds the split request; a
	// number that is a request and a block offers both; `#n` and a block
	// hash find the block; an account its requests.
	let split = &certificates[2];
	for q in [format!("0x{}", hex::encode(split.input_hash)), hex::encode(split.input_hash)] {
		let dom = browser_dom(&format!("{base}/search?q={q}"));
		let link = format!(r#"<a href="/certificate/{0}">{0}</a>"#, split.request);
		assert!(dom.contains(&link) && dom.contains("no agreement"), "{q}: {dom}");
	}
	let both = certificates[1].request;
	let dom = browser_dom(&format!("{base}/search?q={both}"));
	assert!(
		dom.contains(&format!(r#"<a href="/block/{both}">block #{both}</a>"#))
			&& dom.contains(&format!(r#"<a href="/certificate/{both}">request {both}</a>"#)),
		"{dom}"
	);
	let decided_in = c.decided_at.unwrap();
	let decided_hash = chain.at_number(decided_in).await.unwrap().block_hash();
	for q in [format!("%23{decided_in}"), format!("{decided_hash:?}")] {
		let dom = browser_dom(&format!("{base}/search?q={q}"));
		assert!(dom.contains(&format!("<h1>Block #{decided_in}</h1>")), "{q}: {dom}");
		assert!(
			dom.contains(&format!(r#"<a href="/certificate/{0}">{0}</a>"#, c.request)),
			"{dom}"
		);
	}
	let ferdie_id = account(&ferdie).to_string();
	let dom = browser_dom(&format!("{base}/search?q={ferdie_id}"));
	assert!(dom.contains(&format!("<h1>Account {ferdie_id}</h1>")), "{dom}");
	let listed = dom.matches(r#"<tr><td><a href="/certificate/"#).count();
	assert_eq!(listed, ids.len(), "{dom}");
	let (code, csv) = explorer.get(&format!("/list/certificates?account={ferdie_id}&format=csv"));
	assert_eq!(code, 200);
	assert_eq!(csv.lines().count(), 1 + ids.len(), "{csv}");
	let (_, json) = explorer.get("/list/certificates?group=0&format=json");
	let listed: Vec<Certificate> = serde_json::from_str(&json).unwrap();
	assert_eq!(listed.len(), decided);
	let (code, _) = explorer.get(&format!("/block/{}", c.decided_at.unwrap()));
	assert_eq!(code, 200);

	// Bad input gets a clear page with the right status, never a crash.
	for (path, status, says) in [
		("/certificate/abc", 400, "is not a request id"),
		("/certificate/999999", 404, "is unknown"),
		("/search?q=0xzz", 400, "malformed hash"),
		("/search?q=hello%20world", 400, "is not a request id, #block"),
		("/group/77", 404, "no group 77"),
		("/account/not-an-account", 400, "not an SS58 account"),
		("/block/99999999", 404, "not finalized yet"),
		("/list/certificates?group=x", 400, "group=\"x\""),
		("/list/certificates?limit=0", 400, "limit must be"),
		("/list/nothing", 404, "no list"),
		("/nowhere", 404, "no such page"),
	] {
		let (code, body) = explorer.get(path);
		assert_eq!(code, status, "{path}: {body}");
		assert!(body.contains(&dropbear_client::explorer::html::esc(says)), "{path}: {body}");
	}

	// The live feed: a new certificate arrives as best, then as finalized.
	let mut feed = Command::new("curl")
		.args(["-s", "-N", &format!("{base}/api/feed")])
		.stdout(Stdio::piped())
		.spawn()
		.unwrap();
	let feed_out = feed.stdout.take().unwrap();
	let lines = std::thread::spawn(move || {
		use std::io::BufRead;
		std::io::BufReader::new(feed_out).lines().map_while(Result::ok).collect::<Vec<_>>()
	});
	let fresh = client.request(&ferdie, 0, [14; 32], PRICE).await.unwrap();
	let fresh_batch = client.certificate(fresh).await.unwrap().unwrap().batch;
	tokio::join!(
		vote(chain, "Alice", fresh_batch, &[6]),
		vote(chain, "Bob", fresh_batch, &[6]),
		vote(chain, "Charlie", fresh_batch, &[6]),
	);
	let fresh_cert = client.wait_certificate(fresh, Duration::from_secs(60)).await.unwrap();
	let fresh_final = dropbear_e2e::wait_finalized(
		&node,
		fresh_cert.decided_at.unwrap(),
		Duration::from_secs(60),
	)
	.await
	.unwrap();
	explorer.wait_indexed(fresh_final).await;
	let _ = feed.kill();
	let _ = feed.wait();
	let items: Vec<serde_json::Value> = lines
		.join()
		.unwrap()
		.iter()
		.filter_map(|l| l.strip_prefix("data:"))
		.map(|d| serde_json::from_str(d.trim()).unwrap())
		.filter(|i: &serde_json::Value| i["certificate"]["request"] == fresh)
		.collect();
	let statuses: Vec<&str> = items.iter().map(|i| i["status"].as_str().unwrap()).collect();
	// Finality trails the best block by blocks, so the best item comes first.
	assert_eq!(statuses, vec!["best", "finalized"], "feed items for request {fresh}: {items:?}");
	// In the browser, the page's script renders the feed's items again and
	// refreshes the progress line.
	let dom = browser_dom(&format!("{base}/?live=0"));
	let row = format!(
		r#"<tr data-request="{fresh}" data-rendered="js"><td><a href="/certificate/{fresh}">{fresh}</a></td><td class="finalized">finalized</td>"#
	);
	assert!(dom.contains(&row), "{dom}");
	assert!(dom.contains("data-replayed="), "{dom}");
	assert!(dom.contains("data-updated="), "the progress line was not refreshed: {dom}");
	screenshot(&format!("{base}/?live=0"), "home");

	// A restart resumes after the last block indexed.
	let indexed = explorer.status()["indexed"].as_u64().unwrap();
	explorer.stop();
	let mut explorer = Explorer::start(&node, &db, port, dir.path().join("explorer.log"));
	explorer.wait_indexed(fresh_final).await;
	let resumed = explorer.status()["resumedAfter"].as_u64().unwrap();
	assert!(resumed >= indexed, "resumed after #{resumed}, but #{indexed} was indexed");
	assert_eq!(explorer.get(&format!("/certificate/{}", c.request)).0, 200);

	// The node goes away: indexed pages still serve, live parts say why
	// they are missing; when it comes back the index carries on.
	node.stop();
	wait_for("the explorer to notice the node is gone", Duration::from_secs(30), || async {
		Ok((explorer.status()["connected"] == false).then_some(()))
	})
	.await
	.unwrap();
	let (code, body) = explorer.get(&format!("/certificate/{}", c.request));
	assert_eq!(code, 200, "{body}");
	assert!(body.contains("unreachable"), "{body}");
	let (code, body) = explorer.get("/group/0");
	assert_eq!(code, 200, "{body}");
	assert!(
		body.contains(r#"id="terms-error""#) && body.contains(r#"<span id="decided">"#),
		"{body}"
	);
	assert_eq!(explorer.get("/certificate/999999").0, 503);
	node.restart().unwrap();
	let before = explorer.status()["indexed"].as_u64().unwrap() as u32;
	explorer.wait_indexed(before + 2).await;
	assert!(explorer.child.as_mut().unwrap().try_wait().unwrap().is_none(), "the explorer exited");
}
