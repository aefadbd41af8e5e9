//! Follows the node: indexes each finalized block in order, feeds best-block
//! certificates to the live feed, and reconnects when the node goes away.

use super::{
	store::{hex0x, BlockEntries},
	FeedItem, Shared,
};
use crate::{Client, Outcome};
use anyhow::{bail, Context, Result};
use dropbear_api::runtime::inference::events::{BatchOpened, Equivocated, FeesPaid, Lied};
use std::{
	sync::Arc,
	time::{Duration, Instant},
};

/// How long to wait before reconnecting to a node that went away.
const RECONNECT: Duration = Duration::from_secs(2);
/// How often to look for newly finalized blocks.
const POLL: Duration = Duration::from_millis(700);

/// Index forever, reconnecting as needed; errors go to the status line.
pub async fn run(shared: Arc<Shared>, node: String) {
	loop {
		let err = follow(&shared, &node).await.unwrap_err();
		tracing::warn!(target: "dropbear::explorer", "{err:#}");
		shared.set_client(None);
		shared.update_status(|s| {
			s.connected = false;
			s.error = Some(format!("{err:#}"));
		});
		tokio::time::sleep(RECONNECT).await;
	}
}

/// Connect, check the node is on the indexed chain, then index finalized
/// blocks as they come. Returns only with an error.
async fn follow(shared: &Arc<Shared>, node: &str) -> Result<()> {
	let client = Arc::new(Client::connect(node).await?);
	let genesis = hex0x(client.chain.api().genesis_hash().as_bytes());
	{
		let store = shared.store();
		match store.meta("genesis")? {
			Some(indexed) if indexed != genesis => bail!(
				"the node at {node} follows chain {genesis}, the index holds chain {indexed}: use another index file (--db)"
			),
			Some(_) => {}
			None => store.set_meta("genesis", &genesis)?,
		}
	}
	if shared.checkpoint().is_none() {
		// Trust on first use: the set the node names when the index is new,
		// kept in the index so that later runs check against the same one.
		let stored = shared.store().meta("checkpoint")?;
		let checkpoint = match stored {
			Some(text) => serde_json::from_str(&text).context("the index's checkpoint")?,
			None => {
				let checkpoint = client.checkpoint().await?;
				shared.store().set_meta("checkpoint", &serde_json::to_string(&checkpoint)?)?;
				checkpoint
			}
		};
		shared.update_status(|s| {
			s.checkpoint_set = Some(checkpoint.set_id);
			s.checkpoint_source = Some(format!(
				"the node at {node} when this index was created (finalized #{})",
				checkpoint.block_number
			));
		});
		*shared.checkpoint.write().unwrap_or_else(|p| p.into_inner()) = Some(checkpoint);
	}
	let tip = shared.store().tip()?;
	if let Some(tip) = &tip {
		// Same genesis is not enough: a dev chain started afresh has it too.
		let ours = hex0x(client.chain.at_number(tip.number).await?.block_hash().as_bytes());
		if ours != tip.hash {
			bail!(
				"the node's block #{} is {ours}, the index holds {}: the node follows another chain with the same genesis (a restarted dev chain?); use another index file (--db)",
				tip.number, tip.hash
			);
		}
	}
	shared.update_status(|s| {
		s.connected = true;
		s.error = None;
		s.genesis = Some(genesis.clone());
		s.indexed = tip.as_ref().map(|t| t.number);
		if s.resumed_after.is_none() {
			s.resumed_after = Some(tip.as_ref().map(|t| t.number).unwrap_or(0));
		}
	});
	tracing::info!(
		target: "dropbear::explorer",
		"connected to {node}; indexing from #{}",
		tip.as_ref().map(|t| t.number + 1).unwrap_or(1)
	);
	shared.set_client(Some(client.clone()));

	// The live feed runs beside the indexer and ends with this connection.
	let feed = tokio::spawn(best_feed(shared.clone(), client.clone()));
	let result = index_forever(shared, &client).await;
	feed.abort();
	result
}

/// Index until the node goes away. An error that is not the node's
/// absence (state pruned, an event that does not decode, a block that does
/// not extend the index) keeps the connection: it shows on the status line
/// and indexing is retried after a pause.
async fn index_forever(shared: &Arc<Shared>, client: &Client) -> Result<()> {
	loop {
		match index_available(shared, client).await {
			Ok(()) => tokio::time::sleep(POLL).await,
			Err(e) => {
				if client.chain.best_number().await.is_err() {
					return Err(e);
				}
				tracing::warn!(target: "dropbear::explorer", "indexing: {e:#}");
				shared.update_status(|s| s.error = Some(format!("indexing: {e:#}")));
				tokio::time::sleep(RECONNECT).await;
			}
		}
	}
}

/// Index every finalized block not in the index yet.
async fn index_available(shared: &Arc<Shared>, client: &Client) -> Result<()> {
	let mut progress = Instant::now();
	let finalized = client.chain.at(None).await?.block_number() as u32;
	let best = client.chain.best_number().await?;
	shared.update_status(|s| {
		s.finalized = Some(finalized);
		s.best = Some(best);
	});
	let next = shared.store().tip()?.map(|t| t.number + 1).unwrap_or(1);
	for number in next..=finalized {
		let entries = block_entries(client, number).await?;
		shared.store().append(&entries)?;
		shared.update_status(|s| s.indexed = Some(number));
		for certificate in entries.certificates {
			shared.publish(FeedItem { status: "finalized", block: number, certificate });
		}
		// Progress lines while catching up, not for every new block.
		if finalized - number > 10 && progress.elapsed() > Duration::from_secs(5) {
			progress = Instant::now();
			tracing::info!(target: "dropbear::explorer", "indexed #{number} of #{finalized}");
		}
	}
	// Caught up: an earlier indexing error is over.
	shared.update_status(|s| {
		if s.error.as_deref().is_some_and(|e| e.starts_with("indexing: ")) {
			s.error = None;
		}
	});
	Ok(())
}

/// What finalized block `number` decided and paid.
async fn block_entries(client: &Client, number: u32) -> Result<BlockEntries> {
	let at = client.chain.at_number(number).await?;
	let header = at.block_header().await.with_context(|| format!("header of #{number}"))?;
	let certificates = client.chain.decided_in_block(&at, None).await.with_context(|| {
		format!("certificates decided in #{number} (is the node an archive node?)")
	})?;
	let events = at.events().fetch().await.with_context(|| format!("events of #{number}"))?;
	let mut entries = BlockEntries {
		number,
		hash: hex0x(at.block_hash().as_bytes()),
		parent: hex0x(header.parent_hash.as_bytes()),
		certificates,
		..Default::default()
	};
	for e in events.find::<BatchOpened>() {
		let e = e?;
		entries.batches.push((e.batch, e.group));
	}
	for e in events.find::<FeesPaid>() {
		let e = e?;
		entries.fees.push((e.batch, e.owner, e.amount));
	}
	for e in events.find::<Equivocated>() {
		let e = e?;
		entries.slashes.push((e.batch, e.model, e.owner, e.slashed));
	}
	// A proven lie slashes as equivocation does, on the batch of the request.
	for e in events.find::<Lied>() {
		let e = e?;
		entries.slashes.push((e.batch, e.model, e.owner, e.slashed));
	}
	Ok(entries)
}

/// Certificates as best blocks decide them; a certificate already indexed
/// (final) is not shown again as best.
async fn best_feed(shared: Arc<Shared>, client: Arc<Client>) {
	let mut subscription = match client.subscribe_certificates(None, false).await {
		Ok(s) => s,
		Err(e) => {
			tracing::warn!(target: "dropbear::explorer", "live feed: {e:#}");
			return;
		}
	};
	while let Some(item) = subscription.next().await {
		let Ok(certificate) = item else { continue };
		if certificate.outcome == Outcome::Pending {
			continue;
		}
		let block = certificate.decided_at.unwrap_or(certificate.ordered_at);
		let indexed = shared.store().certificate(certificate.request).ok().flatten().is_some();
		if !indexed {
			shared.publish(FeedItem { status: "best", block, certificate });
		}
	}
}
