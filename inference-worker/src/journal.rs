//! The ballot journal: what a member committed to survives a restart of its
//! worker, so that a worker stopped (or crashed) between a commitment and
//! its reveal still reveals after it comes back, instead of the batch
//! counting as missed and its requests expiring.
//!
//! A ballot is appended to `<state dir>/ballots` and flushed to disk *before*
//! its commitment is sent: a commitment on chain always has its ballot on
//! disk. Records are SCALE `(batch, requests digest, version, outputs,
//! salt)`, each after its length (u32, little endian); a later record for a
//! batch and requests digest replaces an earlier one (a fork that ordered
//! other requests under the batch id has its own ballot), and a torn last record (a crash while
//! writing) is ignored. The file is rewritten with only the open batches'
//! ballots when it has grown past [`COMPACT_AFTER`] records.

use crate::voter::Ballot;
use anyhow::{Context, Result};
use codec::{Decode, Encode};
use dropbear_api::{BatchId, Digest, Output, VersionNumber};
use std::{
	collections::HashMap,
	fs::{self, File, OpenOptions},
	io::Write,
	path::{Path, PathBuf},
	sync::Mutex,
};

/// Records appended before the journal is rewritten with the live ones.
pub const COMPACT_AFTER: usize = 4096;

#[derive(Encode, Decode)]
struct Record {
	batch: BatchId,
	requests: Digest,
	version: VersionNumber,
	outputs: Vec<Output>,
	salt: Digest,
}

/// Ballots by batch and the digest of the requests they were made for.
pub type Ballots = HashMap<(BatchId, Digest), Ballot>;

/// Ballots kept on disk.
pub struct Journal {
	path: PathBuf,
	file: Mutex<(File, usize)>,
}

impl Journal {
	/// Open (or create) the journal in `dir`, returning it with the ballots
	/// it holds.
	pub fn open(dir: &Path) -> Result<(Journal, Ballots)> {
		fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
		let path = dir.join("ballots");
		let bytes = match fs::read(&path) {
			Ok(b) => b,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
			Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
		};
		let (ballots, records, whole) = decode_all(&bytes);
		let file = if whole < bytes.len() {
			// A torn record at the end (a crash while writing): rewrite the
			// file without it, so that records appended later can be read.
			tracing::warn!(target: "worker::journal", "{}: dropping a torn record at its end", path.display());
			rewrite(&path, &ballots)?
		} else {
			OpenOptions::new()
				.create(true)
				.append(true)
				.open(&path)
				.with_context(|| format!("opening {}", path.display()))?
		};
		Ok((Journal { path, file: Mutex::new((file, records)) }, ballots))
	}

	/// Append a ballot and flush it to disk.
	pub fn append(&self, batch: BatchId, requests: Digest, ballot: &Ballot) -> Result<()> {
		let framed = encode(batch, requests, ballot);
		let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
		file.0.write_all(&framed).and_then(|()| file.0.sync_data()).with_context(|| {
			format!("writing the ballot of batch {batch} to {}", self.path.display())
		})?;
		file.1 += 1;
		Ok(())
	}

	/// Rewrite the journal with `live` alone once it has grown past
	/// [`COMPACT_AFTER`] records (write a new file, then rename it over).
	pub fn compact(&self, live: &Ballots) -> Result<()> {
		let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
		if file.1 < COMPACT_AFTER {
			return Ok(());
		}
		*file = (rewrite(&self.path, live)?, live.len());
		Ok(())
	}
}

fn encode(batch: BatchId, requests: Digest, ballot: &Ballot) -> Vec<u8> {
	let record = Record {
		batch,
		requests,
		version: ballot.version,
		outputs: ballot.outputs.clone(),
		salt: ballot.salt,
	}
	.encode();
	let mut framed = (record.len() as u32).to_le_bytes().to_vec();
	framed.extend(record);
	framed
}

/// Write `live` to a new file, flush it, rename it over `path`; the file
/// opened for appending.
fn rewrite(path: &Path, live: &Ballots) -> Result<File> {
	let fresh = path.with_extension("new");
	let mut out = File::create(&fresh).with_context(|| format!("creating {}", fresh.display()))?;
	for ((batch, requests), ballot) in live {
		out.write_all(&encode(*batch, *requests, ballot))?;
	}
	out.sync_all()?;
	fs::rename(&fresh, path).with_context(|| format!("replacing {}", path.display()))?;
	Ok(OpenOptions::new().append(true).open(path)?)
}

/// Every whole record of `bytes`, later ones replacing earlier ones for a
/// batch and requests digest; stops at the first torn or undecodable one.
/// Also the record count and the length of the whole records.
fn decode_all(bytes: &[u8]) -> (Ballots, usize, usize) {
	let total = bytes.len();
	let mut bytes = bytes;
	let mut ballots = HashMap::new();
	let mut records = 0;
	while let Some((len, rest)) = bytes.split_first_chunk::<4>() {
		let len = u32::from_le_bytes(*len) as usize;
		let Some((mut record, rest)) = rest.split_at_checked(len) else { break };
		let Ok(r) = Record::decode(&mut record) else { break };
		ballots.insert(
			(r.batch, r.requests),
			Ballot { version: r.version, outputs: r.outputs, salt: r.salt },
		);
		records += 1;
		bytes = rest;
	}
	(ballots, records, total - bytes.len())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn ballot(label: u32, salt: u8) -> Ballot {
		Ballot {
			version: 1,
			outputs: vec![Output::Label(label), Output::Unavailable],
			salt: [salt; 32],
		}
	}

	#[test]
	fn ballots_survive_a_reopen_the_latest_wins_and_a_torn_tail_is_ignored() {
		let dir = tempfile::tempdir().unwrap();
		let (journal, loaded) = Journal::open(dir.path()).unwrap();
		assert!(loaded.is_empty());
		journal.append(7, [1; 32], &ballot(3, 9)).unwrap();
		journal.append(8, [2; 32], &ballot(4, 8)).unwrap();
		journal.append(7, [1; 32], &ballot(5, 7)).unwrap();
		// Another fork's requests under batch 7: a ballot of their own.
		journal.append(7, [3; 32], &ballot(2, 6)).unwrap();
		drop(journal);
		// A crash in the middle of a record.
		let path = dir.path().join("ballots");
		let mut bytes = fs::read(&path).unwrap();
		bytes.extend([40, 0, 0, 0, 1, 2, 3]);
		fs::write(&path, bytes).unwrap();

		let (journal, loaded) = Journal::open(dir.path()).unwrap();
		assert_eq!(loaded.len(), 3);
		assert_eq!(loaded[&(7, [1; 32])], ballot(5, 7));
		assert_eq!(loaded[&(7, [3; 32])], ballot(2, 6));
		assert_eq!(loaded[&(8, [2; 32])], ballot(4, 8));
		// Records appended after the torn one was dropped are read back.
		journal.append(10, [5; 32], &ballot(1, 1)).unwrap();
		let (journal, loaded) = Journal::open(dir.path()).unwrap();
		assert_eq!(loaded.len(), 4);
		assert_eq!(loaded[&(10, [5; 32])], ballot(1, 1));
		// Compaction keeps only the live ballots.
		let live: Ballots = loaded.into_iter().filter(|((b, _), _)| *b == 8).collect();
		journal.file.lock().unwrap().1 = COMPACT_AFTER;
		journal.compact(&live).unwrap();
		journal.append(9, [4; 32], &ballot(6, 6)).unwrap();
		let (_, loaded) = Journal::open(dir.path()).unwrap();
		assert_eq!(loaded.len(), 2);
		assert_eq!(loaded[&(8, [2; 32])], ballot(4, 8));
		assert_eq!(loaded[&(9, [4; 32])], ballot(6, 6));
	}
}
