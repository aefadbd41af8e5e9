//! The explorer's index: an embedded SQLite file beside it.
//!
//! It holds only what finalized blocks say, one transaction per block, so a
//! restart resumes after the last block written and a reorg of best blocks
//! never reaches it. Each block row keeps its hash and parent hash: the next
//! block must extend the last one written, or the index refuses it (a node of
//! another chain, or a database swapped under the explorer).
//!
//! Balances are u128 and SQLite integers are i64, so amounts are stored as
//! decimal text and summed in Rust.

use crate::{AccountId, BlockNumber, Certificate, Outcome};
use anyhow::{anyhow, bail, Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
	number INTEGER PRIMARY KEY,
	hash TEXT NOT NULL UNIQUE,
	parent TEXT NOT NULL,
	decided INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS certificates (
	request INTEGER PRIMARY KEY,
	batch INTEGER NOT NULL,
	grp INTEGER NOT NULL,
	client TEXT NOT NULL,
	input_hash TEXT NOT NULL,
	outcome TEXT NOT NULL,
	certified INTEGER NOT NULL,
	ordered_at INTEGER NOT NULL,
	decided_at INTEGER NOT NULL,
	body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS certificates_input ON certificates (input_hash);
CREATE INDEX IF NOT EXISTS certificates_client ON certificates (client);
CREATE INDEX IF NOT EXISTS certificates_decided ON certificates (decided_at);
CREATE INDEX IF NOT EXISTS certificates_group ON certificates (grp, decided_at);
CREATE TABLE IF NOT EXISTS votes (
	request INTEGER NOT NULL,
	grp INTEGER NOT NULL,
	model INTEGER NOT NULL,
	owner TEXT NOT NULL,
	version INTEGER NOT NULL,
	role TEXT NOT NULL,
	PRIMARY KEY (request, model)
);
CREATE INDEX IF NOT EXISTS votes_member ON votes (grp, model);
CREATE INDEX IF NOT EXISTS votes_owner ON votes (owner);
CREATE TABLE IF NOT EXISTS batches (batch INTEGER PRIMARY KEY, grp INTEGER NOT NULL, opened_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS fees (
	block INTEGER NOT NULL, batch INTEGER NOT NULL, grp INTEGER, owner TEXT NOT NULL, amount TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fees_group ON fees (grp);
CREATE TABLE IF NOT EXISTS fee_totals (
	grp INTEGER NOT NULL, owner TEXT NOT NULL, amount TEXT NOT NULL, PRIMARY KEY (grp, owner)
);
CREATE INDEX IF NOT EXISTS fees_owner ON fees (owner);
CREATE TABLE IF NOT EXISTS slashes (
	block INTEGER NOT NULL, batch INTEGER NOT NULL, model INTEGER NOT NULL, owner TEXT NOT NULL, amount TEXT NOT NULL
);
";

/// One finalized block's worth of index entries.
#[derive(Default, Debug, Clone)]
pub struct BlockEntries {
	pub number: BlockNumber,
	pub hash: String,
	pub parent: String,
	pub certificates: Vec<Certificate>,
	/// Batches opened: (batch, group).
	pub batches: Vec<(u64, u32)>,
	/// Fees paid: (batch, owner, amount).
	pub fees: Vec<(u64, AccountId, u128)>,
	/// Equivocations: (batch, model, owner, amount slashed).
	pub slashes: Vec<(u64, u32, AccountId, u128)>,
}

/// The last block written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tip {
	pub number: BlockNumber,
	pub hash: String,
}

/// A fee or slash row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
	pub block: BlockNumber,
	pub batch: u64,
	pub group: Option<u32>,
	pub model: Option<u32>,
	pub account: String,
	pub amount: u128,
}

/// Per block of a group: requests decided and certified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockCount {
	pub block: BlockNumber,
	pub decided: u64,
	pub certified: u64,
}

/// A member's votes over the indexed history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
	pub agreed: u64,
	pub dissented: u64,
	pub not_voted: u64,
}

/// Which certificates a list shows.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
	pub group: Option<u32>,
	/// Requests whose client this is, or in which a model of this owner served.
	pub account: Option<String>,
	pub input: Option<String>,
	/// Decided in this block.
	pub block: Option<BlockNumber>,
	/// Requests this model served.
	pub model: Option<u32>,
}

pub struct Store {
	db: Connection,
}

impl Store {
	pub fn open(path: &Path) -> Result<Self> {
		let db = Connection::open(path)
			.with_context(|| format!("opening the explorer index {}", path.display()))?;
		Self::init(db)
	}

	/// An index in memory (tests).
	pub fn in_memory() -> Result<Self> {
		Self::init(Connection::open_in_memory()?)
	}

	fn init(db: Connection) -> Result<Self> {
		// WAL: pages read while the indexer writes.
		db.pragma_update(None, "journal_mode", "WAL")?;
		db.pragma_update(None, "synchronous", "NORMAL")?;
		db.execute_batch(SCHEMA).context("creating the explorer index's tables")?;
		Ok(Self { db })
	}

	pub fn meta(&self, key: &str) -> Result<Option<String>> {
		Ok(self
			.db
			.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
			.optional()?)
	}

	pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
		self.db.execute(
			"INSERT INTO meta (key, value) VALUES (?1, ?2)
			 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			[key, value],
		)?;
		Ok(())
	}

	/// The last block written, if any.
	pub fn tip(&self) -> Result<Option<Tip>> {
		Ok(self
			.db
			.query_row("SELECT number, hash FROM blocks ORDER BY number DESC LIMIT 1", [], |r| {
				Ok(Tip { number: r.get(0)?, hash: r.get(1)? })
			})
			.optional()?)
	}

	/// Write one finalized block, which must follow the tip: all of it or
	/// nothing.
	pub fn append(&mut self, block: &BlockEntries) -> Result<()> {
		if let Some(tip) = self.tip()? {
			if block.number != tip.number + 1 {
				bail!(
					"block #{} does not follow the index's last block #{}",
					block.number,
					tip.number
				);
			}
			if block.parent != tip.hash {
				bail!(
					"block #{} ({}) has parent {}, but the index holds #{} as {}: the node follows another chain than the one indexed",
					block.number, block.hash, block.parent, tip.number, tip.hash
				);
			}
		}
		let tx = self.db.transaction()?;
		tx.execute(
			"INSERT INTO blocks (number, hash, parent, decided) VALUES (?1, ?2, ?3, ?4)",
			params![block.number, block.hash, block.parent, block.certificates.len() as i64],
		)?;
		for (batch, group) in &block.batches {
			tx.execute(
				"INSERT OR REPLACE INTO batches (batch, grp, opened_at) VALUES (?1, ?2, ?3)",
				params![*batch as i64, group, block.number],
			)?;
		}
		for c in &block.certificates {
			let decided_at = c.decided_at.unwrap_or(block.number);
			tx.execute(
				"INSERT OR REPLACE INTO certificates
				 (request, batch, grp, client, input_hash, outcome, certified, ordered_at, decided_at, body)
				 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
				params![
					c.request as i64,
					c.batch as i64,
					c.group,
					c.client.to_string(),
					hex0x(&c.input_hash),
					outcome_kind(&c.outcome),
					matches!(c.outcome, Outcome::Certified(_)),
					c.ordered_at,
					decided_at,
					serde_json::to_string(c)?,
				],
			)?;
			for v in &c.versions {
				let (role, owner) = (vote_of(c, v.model), owner_of(c, v.model));
				tx.execute(
					"INSERT OR REPLACE INTO votes (request, grp, model, owner, version, role)
					 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
					params![c.request as i64, c.group, v.model, owner, v.version, role],
				)?;
			}
		}
		for (batch, owner, amount) in &block.fees {
			let owner = owner.to_string();
			let group: Option<u32> = tx
				.query_row("SELECT grp FROM batches WHERE batch = ?1", [*batch as i64], |r| {
					r.get(0)
				})
				.optional()?;
			tx.execute(
				"INSERT INTO fees (block, batch, grp, owner, amount) VALUES (?1, ?2, ?3, ?4, ?5)",
				params![block.number, *batch as i64, group, owner, amount.to_string()],
			)?;
			// Running totals per group and owner, summed as u128 here (SQLite's
			// integers are i64).
			if let Some(group) = group {
				let total: Option<String> = tx
					.query_row(
						"SELECT amount FROM fee_totals WHERE grp = ?1 AND owner = ?2",
						params![group, owner],
						|r| r.get(0),
					)
					.optional()?;
				let total = total.map(parse_amount).unwrap_or(0).saturating_add(*amount);
				tx.execute(
					"INSERT INTO fee_totals (grp, owner, amount) VALUES (?1, ?2, ?3)
					 ON CONFLICT (grp, owner) DO UPDATE SET amount = excluded.amount",
					params![group, owner, total.to_string()],
				)?;
			}
		}
		for (batch, model, owner, amount) in &block.slashes {
			tx.execute(
				"INSERT INTO slashes (block, batch, model, owner, amount) VALUES (?1, ?2, ?3, ?4, ?5)",
				params![block.number, *batch as i64, model, owner.to_string(), amount.to_string()],
			)?;
		}
		tx.commit()?;
		Ok(())
	}

	/// An indexed certificate, with the block that decided it.
	pub fn certificate(&self, request: u64) -> Result<Option<Certificate>> {
		let body: Option<String> = self
			.db
			.query_row("SELECT body FROM certificates WHERE request = ?1", [request as i64], |r| {
				r.get(0)
			})
			.optional()?;
		body.map(|b| decode(&b)).transpose()
	}

	/// Certificates matching `filter`, newest decided first: at most `limit`,
	/// after skipping `offset`.
	pub fn certificates(
		&self,
		filter: &Filter,
		limit: u32,
		offset: u64,
	) -> Result<Vec<Certificate>> {
		// Anonymous `?` parameters take the arguments in order.
		let mut sql = String::from("SELECT body FROM certificates c WHERE 1 = 1");
		let mut args: Vec<rusqlite::types::Value> = Vec::new();
		if let Some(g) = filter.group {
			sql.push_str(" AND c.grp = ?");
			args.push(i64::from(g).into());
		}
		if let Some(input) = &filter.input {
			sql.push_str(" AND c.input_hash = ?");
			args.push(input.to_lowercase().into());
		}
		if let Some(b) = filter.block {
			sql.push_str(" AND c.decided_at = ?");
			args.push(i64::from(b).into());
		}
		if let Some(m) = filter.model {
			sql.push_str(" AND c.request IN (SELECT request FROM votes WHERE model = ?)");
			args.push(i64::from(m).into());
		}
		if let Some(account) = &filter.account {
			sql.push_str(
				" AND (c.client = ? OR c.request IN (SELECT request FROM votes WHERE owner = ?))",
			);
			args.push(account.clone().into());
			args.push(account.clone().into());
		}
		sql.push_str(" ORDER BY c.decided_at DESC, c.request DESC LIMIT ? OFFSET ?");
		args.push(i64::from(limit).into());
		args.push((offset.min(i64::MAX as u64) as i64).into());
		let mut stmt = self.db.prepare(&sql)?;
		let rows = stmt
			.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(0))?
			.collect::<Result<Vec<_>, _>>()?;
		rows.iter().map(|b| decode(b)).collect()
	}

	/// How many certificates the index holds, and how many are certified.
	pub fn counts(&self, group: Option<u32>) -> Result<(u64, u64)> {
		Ok(self.db.query_row(
			"SELECT COUNT(*), COALESCE(SUM(certified), 0) FROM certificates
			 WHERE ?1 IS NULL OR grp = ?1",
			[group.map(i64::from)],
			|r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
		)?)
	}

	/// A group's decided and certified requests per block, oldest first.
	pub fn per_block(&self, group: u32) -> Result<Vec<BlockCount>> {
		let mut stmt = self.db.prepare(
			"SELECT decided_at, COUNT(*), SUM(certified) FROM certificates
			 WHERE grp = ?1 GROUP BY decided_at ORDER BY decided_at",
		)?;
		let rows = stmt
			.query_map([group], |r| {
				Ok(BlockCount {
					block: r.get(0)?,
					decided: r.get::<_, i64>(1)? as u64,
					certified: r.get::<_, i64>(2)? as u64,
				})
			})?
			.collect::<Result<Vec<_>, _>>()?;
		Ok(rows)
	}

	/// A member's agreed, dissented and not-voted requests over the index.
	pub fn tally(&self, group: u32, model: u32) -> Result<Tally> {
		let mut stmt = self.db.prepare(
			"SELECT role, COUNT(*) FROM votes WHERE grp = ?1 AND model = ?2 GROUP BY role",
		)?;
		let mut tally = Tally::default();
		for row in stmt.query_map([group, model], |r| {
			Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
		})? {
			let (role, n) = row?;
			match role.as_str() {
				AGREED => tally.agreed = n,
				DISSENTED => tally.dissented = n,
				_ => tally.not_voted = n,
			}
		}
		Ok(tally)
	}

	/// Each owner's total fees from a group's batches.
	pub fn fee_totals(&self, group: u32) -> Result<Vec<(String, u128)>> {
		let mut stmt = self
			.db
			.prepare("SELECT owner, amount FROM fee_totals WHERE grp = ?1 ORDER BY owner")?;
		let rows = stmt
			.query_map([group], |r| Ok((r.get::<_, String>(0)?, parse_amount(r.get(1)?))))?
			.collect::<Result<Vec<_>, _>>()?;
		Ok(rows)
	}

	/// Fees paid (of a group's batches, or to an owner), newest first: at
	/// most `limit` after skipping `offset`.
	pub fn fees(
		&self,
		group: Option<u32>,
		owner: Option<&str>,
		limit: u32,
		offset: u64,
	) -> Result<Vec<Payment>> {
		self.payments(
			"SELECT block, batch, grp, NULL, owner, amount FROM fees
			 WHERE (?1 IS NULL OR grp = ?1) AND (?2 IS NULL OR owner = ?2)
			 ORDER BY block DESC, rowid DESC LIMIT ?3 OFFSET ?4",
			(group, owner, limit, offset),
		)
	}

	/// Slashes for equivocation (of a model, or an owner), newest first: at
	/// most `limit` after skipping `offset`.
	pub fn slashes(
		&self,
		model: Option<u32>,
		owner: Option<&str>,
		limit: u32,
		offset: u64,
	) -> Result<Vec<Payment>> {
		self.payments(
			"SELECT s.block, s.batch, b.grp, s.model, s.owner, s.amount
			 FROM slashes s LEFT JOIN batches b ON b.batch = s.batch
			 WHERE (?1 IS NULL OR s.model = ?1) AND (?2 IS NULL OR s.owner = ?2)
			 ORDER BY s.block DESC, s.rowid DESC LIMIT ?3 OFFSET ?4",
			(model, owner, limit, offset),
		)
	}

	/// Rows of (block, batch, group, model, account, amount) from `sql`, which
	/// takes (a group or model id, an account, limit, offset).
	fn payments(
		&self,
		sql: &str,
		(key, owner, limit, offset): (Option<u32>, Option<&str>, u32, u64),
	) -> Result<Vec<Payment>> {
		let mut stmt = self.db.prepare(sql)?;
		let rows = stmt
			.query_map(params![key, owner, limit, offset.min(i64::MAX as u64) as i64], |r| {
				Ok(Payment {
					block: r.get(0)?,
					batch: r.get::<_, i64>(1)? as u64,
					group: r.get(2)?,
					model: r.get(3)?,
					account: r.get(4)?,
					amount: parse_amount(r.get::<_, String>(5)?),
				})
			})?
			.collect::<Result<Vec<_>, _>>()?;
		Ok(rows)
	}

	/// An indexed block: its hash and how many requests it decided.
	pub fn block(&self, number: BlockNumber) -> Result<Option<(String, u64)>> {
		Ok(self
			.db
			.query_row("SELECT hash, decided FROM blocks WHERE number = ?1", [number], |r| {
				Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
			})
			.optional()?)
	}

	/// The number of an indexed block by hash.
	pub fn block_by_hash(&self, hash: &str) -> Result<Option<BlockNumber>> {
		Ok(self
			.db
			.query_row("SELECT number FROM blocks WHERE hash = ?1", [hash.to_lowercase()], |r| {
				r.get(0)
			})
			.optional()?)
	}
}

fn decode(body: &str) -> Result<Certificate> {
	serde_json::from_str(body).map_err(|e| anyhow!("an indexed certificate does not decode: {e}"))
}

fn parse_amount(text: String) -> u128 {
	// Written by `append` from a u128; anything else is a damaged file.
	text.parse().unwrap_or_default()
}

pub const AGREED: &str = "agreed";
pub const DISSENTED: &str = "dissented";
pub const DID_NOT_VOTE: &str = "did not vote";

/// How a member voted on a certificate's request, as the index and pages name it.
pub fn vote_of(c: &Certificate, model: u32) -> &'static str {
	if c.agreed.contains(&model) {
		AGREED
	} else if c.dissented.contains(&model) {
		DISSENTED
	} else {
		DID_NOT_VOTE
	}
}

/// The owner of a certificate's member (empty if the certificate names none).
pub fn owner_of(c: &Certificate, model: u32) -> String {
	c.owners.iter().find(|(m, _)| *m == model).map(|(_, o)| o.to_string()).unwrap_or_default()
}

pub fn hex0x(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// The outcome's kind, as the index and exports name it.
pub fn outcome_kind(o: &Outcome) -> &'static str {
	match o {
		Outcome::Certified(_) => "certified",
		Outcome::NoAgreement => "no agreement",
		Outcome::Expired => "expired",
		Outcome::InputUnavailable => "input unavailable",
		Outcome::Pending => "pending",
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::Output;
	use dropbear_primitives::inference::MemberVersion;

	fn account(n: u8) -> AccountId {
		AccountId::from([n; 32])
	}

	fn certificate(
		request: u64,
		group: u32,
		decided: BlockNumber,
		label: Option<u32>,
	) -> Certificate {
		Certificate {
			request,
			batch: request / 2,
			index: (request % 2) as u32,
			group,
			client: account(9),
			input_hash: [request as u8; 32],
			fee: 10,
			outcome: label
				.map(|l| Outcome::Certified(Output::Label(l)))
				.unwrap_or(Outcome::NoAgreement),
			versions: (0..3)
				.map(|m| MemberVersion { model: m, version: 1, digest: [m as u8; 32] })
				.collect(),
			owners: (0..3).map(|m| (m, account(m as u8))).collect(),
			agreed: if label.is_some() { vec![0, 1] } else { vec![] },
			dissented: if label.is_some() { vec![2] } else { vec![0, 1, 2] },
			not_voted: vec![],
			ordered_at: decided - 2,
			decided_at: Some(decided),
		}
	}

	fn block(number: BlockNumber, certificates: Vec<Certificate>) -> BlockEntries {
		BlockEntries {
			number,
			hash: format!("0x{number:064x}"),
			parent: format!("0x{:064x}", number.saturating_sub(1)),
			certificates,
			..Default::default()
		}
	}

	#[test]
	fn blocks_are_written_in_order_and_a_foreign_parent_is_refused() {
		let mut store = Store::in_memory().unwrap();
		store.append(&block(5, vec![certificate(0, 0, 5, Some(3))])).unwrap();
		let mut gap = block(7, vec![]);
		gap.parent = format!("0x{:064x}", 6);
		let err = store.append(&gap).unwrap_err().to_string();
		assert!(err.contains("does not follow"), "{err}");
		let mut fork = block(6, vec![certificate(1, 0, 6, Some(4))]);
		fork.parent = "0xfeed".into();
		let err = store.append(&fork).unwrap_err().to_string();
		assert!(err.contains("another chain"), "{err}");
		// The refused block left nothing behind.
		assert_eq!(store.certificate(1).unwrap(), None);
		assert_eq!(store.tip().unwrap().unwrap().number, 5);
		store.append(&block(6, vec![certificate(1, 0, 6, Some(4))])).unwrap();
		assert_eq!(store.tip().unwrap(), Some(Tip { number: 6, hash: format!("0x{:064x}", 6) }));
	}

	#[test]
	fn certificates_are_found_by_group_input_account_block_and_model() {
		let mut store = Store::in_memory().unwrap();
		let (a, b, c) = (
			certificate(0, 0, 1, Some(3)),
			certificate(1, 0, 2, None),
			certificate(2, 1, 2, Some(7)),
		);
		store.append(&block(1, vec![a.clone()])).unwrap();
		let mut second = block(2, vec![b.clone(), c.clone()]);
		second.batches = vec![(0, 0), (1, 1)];
		second.fees = vec![(0, account(0), 5), (0, account(1), 5), (1, account(1), 7)];
		second.slashes = vec![(1, 2, account(2), 100)];
		store.append(&second).unwrap();

		assert_eq!(store.certificate(1).unwrap(), Some(b.clone()));
		let all = store.certificates(&Filter::default(), 10, 0).unwrap();
		assert_eq!(all.iter().map(|c| c.request).collect::<Vec<_>>(), vec![2, 1, 0]);
		let group0 =
			store.certificates(&Filter { group: Some(0), ..Default::default() }, 10, 0).unwrap();
		assert_eq!(group0, vec![b.clone(), a.clone()]);
		let by_input = Filter {
			input: Some(hex0x(&c.input_hash).to_uppercase().replace("0X", "0x")),
			..Default::default()
		};
		assert_eq!(store.certificates(&by_input, 10, 0).unwrap(), vec![c.clone()]);
		let in_block =
			store.certificates(&Filter { block: Some(2), ..Default::default() }, 10, 0).unwrap();
		assert_eq!(in_block.len(), 2);
		// Owner 1's model served every request; account 9 is every client.
		let owner = Filter { account: Some(account(1).to_string()), ..Default::default() };
		assert_eq!(store.certificates(&owner, 10, 0).unwrap().len(), 3);
		let client =
			Filter { account: Some(account(9).to_string()), group: Some(1), ..Default::default() };
		assert_eq!(store.certificates(&client, 10, 0).unwrap(), vec![c.clone()]);
		assert_eq!(store.certificates(&Filter::default(), 1, 0).unwrap().len(), 1);
		// Paging: the second of three, then nothing past the end.
		assert_eq!(store.certificates(&Filter::default(), 1, 1).unwrap(), vec![b.clone()]);
		assert!(store.certificates(&Filter::default(), 5, 3).unwrap().is_empty());

		assert_eq!(store.counts(None).unwrap(), (3, 2));
		assert_eq!(store.counts(Some(0)).unwrap(), (2, 1));
		assert_eq!(
			store.per_block(0).unwrap(),
			vec![
				BlockCount { block: 1, decided: 1, certified: 1 },
				BlockCount { block: 2, decided: 1, certified: 0 }
			]
		);
		assert_eq!(store.tally(0, 2).unwrap(), Tally { agreed: 0, dissented: 2, not_voted: 0 });
		assert_eq!(store.tally(0, 0).unwrap(), Tally { agreed: 1, dissented: 1, not_voted: 0 });
		let fees = store.fees(Some(0), None, 100, 0).unwrap();
		assert_eq!(fees.iter().map(|f| f.amount).sum::<u128>(), 10);
		assert_eq!(store.fees(None, Some(&account(1).to_string()), 100, 0).unwrap().len(), 2);
		assert_eq!(store.fees(None, None, 2, 1).unwrap().len(), 2);
		assert_eq!(store.fee_totals(0).unwrap(), {
			let mut t = vec![(account(0).to_string(), 5), (account(1).to_string(), 5)];
			t.sort();
			t
		});
		assert_eq!(store.fee_totals(1).unwrap(), vec![(account(1).to_string(), 7)]);
		let slashes = store.slashes(Some(2), None, 100, 0).unwrap();
		assert_eq!(slashes.len(), 1);
		assert_eq!((slashes[0].group, slashes[0].amount), (Some(1), 100));
		assert_eq!(store.block(2).unwrap(), Some((format!("0x{:064x}", 2), 2)));
		assert_eq!(store.block_by_hash(&format!("0x{:064x}", 1)).unwrap(), Some(1));
	}

	#[test]
	fn the_index_survives_a_reopen() {
		let dir =
			std::env::temp_dir().join(format!("dropbear-explorer-store-{}", std::process::id()));
		let _ = std::fs::remove_file(&dir);
		{
			let mut store = Store::open(&dir).unwrap();
			store.set_meta("genesis", "0xabc").unwrap();
			store.append(&block(1, vec![certificate(0, 0, 1, Some(3))])).unwrap();
		}
		let store = Store::open(&dir).unwrap();
		assert_eq!(store.meta("genesis").unwrap().as_deref(), Some("0xabc"));
		assert_eq!(store.tip().unwrap().map(|t| t.number), Some(1));
		assert!(store.certificate(0).unwrap().is_some());
		let _ = std::fs::remove_file(&dir);
	}
}
