//! `dropbear audit`: certificate history and each member's agreement rate.

use crate::{show, Format};
use anyhow::{bail, Result};
use dropbear_client::{AccountId, Certificate, CertificateQuery, Client, Outcome, MAX_PAGE};
use std::{collections::BTreeMap, str::FromStr};

#[derive(clap::Args)]
pub struct Args {
	/// First block (that ordered requests) to include.
	#[arg(long)]
	from: u32,
	/// Last block to include.
	#[arg(long)]
	to: u32,
	#[arg(long)]
	group: Option<u32>,
	/// Only batches with a model of this owner (SS58 address).
	#[arg(long)]
	owner: Option<String>,
	#[arg(long, value_enum, default_value = "table")]
	format: Format,
}

/// A member's tally over the certificates listed.
#[derive(Default, serde::Serialize)]
pub struct Tally {
	pub batches_seen: u64,
	pub agreed: u64,
	pub dissented: u64,
	pub not_voted: u64,
}

impl Tally {
	/// Agreed over decided requests the member was asked to serve.
	pub fn rate(&self) -> f64 {
		let total = self.agreed + self.dissented + self.not_voted;
		if total == 0 {
			0.0
		} else {
			self.agreed as f64 / total as f64
		}
	}
}

/// Per (group, model): how often the member was in the certified majority.
pub fn tally(certs: &[Certificate]) -> BTreeMap<(u32, u32), Tally> {
	let mut out: BTreeMap<(u32, u32), Tally> = BTreeMap::new();
	for c in certs.iter().filter(|c| !matches!(c.outcome, Outcome::Pending)) {
		for v in &c.versions {
			let model = &v.model;
			let t = out.entry((c.group, *model)).or_default();
			t.batches_seen += 1;
			if c.agreed.contains(model) {
				t.agreed += 1;
			} else if c.dissented.contains(model) {
				t.dissented += 1;
			} else {
				t.not_voted += 1;
			}
		}
	}
	out
}

pub async fn run(client: &Client, args: Args) -> Result<()> {
	if args.from > args.to {
		bail!("--from {} is after --to {}", args.from, args.to);
	}
	let owner = match &args.owner {
		Some(o) => Some(
			AccountId::from_str(o)
				.map_err(|e| anyhow::anyhow!("--owner {o:?} is not an SS58 address: {e}"))?,
		),
		None => None,
	};
	let mut query = CertificateQuery {
		from_block: Some(args.from),
		to_block: Some(args.to),
		group: args.group,
		owner,
		limit: Some(MAX_PAGE),
		..dropbear_client::query_all()
	};
	let mut certs = Vec::new();
	loop {
		let page = client.certificates(&query).await?;
		// Read every page at the first page's block, so the history is one snapshot.
		query.at = Some(page.at);
		certs.extend(page.certificates);
		match page.next {
			Some(next) => query.cursor = Some(next),
			None => break,
		}
	}
	let tallies = tally(&certs);
	match args.format {
		Format::Json => {
			let members: Vec<serde_json::Value> = tallies
				.iter()
				.map(|((g, m), t)| serde_json::json!({"group": g, "model": m, "tally": t, "agreementRate": t.rate()}))
				.collect();
			println!(
				"{}",
				serde_json::to_string_pretty(
					&serde_json::json!({"certificates": certs, "members": members})
				)?
			);
		}
		format => {
			show::certificates(&certs, format)?;
			let rows = tallies
				.iter()
				.map(|((g, m), t)| {
					vec![
						g.to_string(),
						m.to_string(),
						t.batches_seen.to_string(),
						t.agreed.to_string(),
						t.dissented.to_string(),
						t.not_voted.to_string(),
						format!("{:.3}", t.rate()),
					]
				})
				.collect();
			if format == Format::Table {
				println!("{} certificates, blocks {}..={}", certs.len(), args.from, args.to);
			} else {
				println!();
			}
			show::print_rows(
				&[
					"group",
					"model",
					"requests",
					"agreed",
					"dissented",
					"not voted",
					"agreement rate",
				],
				rows,
				format,
			)?;
		}
	}
	Ok(())
}
