//! Offline verification of a certificate proof (`inference_certificateWithProof`)
//! against a trusted GRANDPA authority set, in the order a skeptic would:
//!
//! 1. the proof belongs to the checkpoint's chain (genesis hash);
//! 2. each authority-set change after the checkpoint is justified by the
//!    outgoing set, and its header names the incoming set;
//! 3. the proof's block is finalized by a justification of the set reached,
//!    with a 2/3 supermajority of valid signatures;
//! 4. the storage proof opens against that block's state root;
//! 5. the certificate assembled from the proven storage (with pallet-inference's
//!    own assembly code) equals the certificate claimed.
//!
//! Each failing check is a distinct [`VerifyError`] that says what failed.

use crate::{Certificate, CertificateProof, Header};
use codec::{Decode, DecodeAll};
use dropbear_primitives::{
	inference as certificate,
	rpc::{Checkpoint, SetChange, StateProof},
	BatchId, BatchInfo, Decision, RequestEntry, Unbounded,
};
use finality_grandpa::{voter_set::VoterSet, Chain, Error as GrandpaError};
use sp_consensus_grandpa::{
	AuthorityId, AuthorityList, ConsensusLog, GrandpaJustification, ScheduledChange,
	GRANDPA_ENGINE_ID,
};
use sp_core::H256;
use sp_runtime::{
	generic::OpaqueDigestItemId,
	traits::{BlakeTwo256, Header as HeaderT},
};
use std::collections::HashMap;

/// What failed, with enough detail to act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
	#[error("the proof is for chain {proof:?}, the checkpoint for chain {checkpoint:?}")]
	WrongChain { proof: H256, checkpoint: H256 },
	#[error("authority-set change {index}: {reason}")]
	SetChange { index: usize, reason: String },
	#[error(
		"the proof is signed by set {proof} but the checkpoint and changes reach set {reached}"
	)]
	WrongSet { proof: u64, reached: u64 },
	#[error("header: {0}")]
	Header(String),
	#[error("justification: {0}")]
	Justification(String),
	#[error("storage proof: {0}")]
	StorageProof(String),
	#[error("the certificate differs from the proven storage in: {0}")]
	CertificateMismatch(String),
}

/// What a verified proof establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
	pub certificate: Certificate,
	/// The finalized block whose state holds the certificate.
	pub block_number: u32,
	pub block_hash: H256,
	/// The authority set that finalized it.
	pub set_id: u64,
}

/// Verify `proof` against the trusted `checkpoint`.
pub fn verify(proof: &CertificateProof, checkpoint: &Checkpoint) -> Result<Verified, VerifyError> {
	let header = finalized_header(
		&Finality {
			genesis_hash: proof.genesis_hash,
			set_changes: &proof.set_changes,
			set_id: proof.set_id,
			header: &proof.header,
			justification: &proof.justification,
		},
		checkpoint,
	)?;
	let rebuilt = proven_certificate(proof, header.state_root())?;
	if rebuilt != proof.certificate {
		return Err(VerifyError::CertificateMismatch(differences(&rebuilt, &proof.certificate)));
	}
	Ok(Verified {
		certificate: rebuilt,
		block_number: *header.number(),
		block_hash: header.hash(),
		set_id: proof.set_id,
	})
}

/// What a proof offers as evidence that its block is final.
struct Finality<'a> {
	genesis_hash: H256,
	set_changes: &'a [SetChange],
	set_id: u64,
	header: &'a [u8],
	justification: &'a [u8],
}

/// Checks 1 to 3: the header of a block GRANDPA finalized on the
/// checkpoint's chain, reached from the checkpoint's set through justified
/// set changes.
fn finalized_header(proof: &Finality, checkpoint: &Checkpoint) -> Result<Header, VerifyError> {
	if proof.genesis_hash != checkpoint.genesis_hash {
		return Err(VerifyError::WrongChain {
			proof: proof.genesis_hash,
			checkpoint: checkpoint.genesis_hash,
		});
	}
	let mut set_id = checkpoint.set_id;
	let mut authorities = authority_list(&checkpoint.authorities)
		.map_err(|reason| VerifyError::SetChange { index: 0, reason })?;
	for (index, change) in proof.set_changes.iter().enumerate() {
		let fail = |reason: String| VerifyError::SetChange { index, reason };
		let header = Header::decode_all(&mut &change.header[..])
			.map_err(|e| fail(format!("header does not decode: {e}")))?;
		check_justification(&change.justification, &header, set_id, &authorities).map_err(fail)?;
		let next = scheduled_change(&header).map_err(fail)?;
		authorities = next.next_authorities;
		set_id += 1;
	}
	if proof.set_id != set_id {
		return Err(VerifyError::WrongSet { proof: proof.set_id, reached: set_id });
	}
	let header = Header::decode_all(&mut &proof.header[..])
		.map_err(|e| VerifyError::Header(format!("does not decode: {e}")))?;
	check_justification(proof.justification, &header, set_id, &authorities)
		.map_err(VerifyError::Justification)?;
	Ok(header)
}

/// Storage a [`StateProof`] proves at a finalized block.
#[derive(Debug)]
pub struct ProvenState {
	pub block_number: u32,
	pub block_hash: H256,
	pub set_id: u64,
	state_root: H256,
	nodes: Vec<Vec<u8>>,
}

impl ProvenState {
	/// `proof`'s trie nodes under `header`'s state root.
	fn opened(header: &Header, proof: &StateProof) -> Self {
		Self {
			block_number: *header.number(),
			block_hash: header.hash(),
			set_id: proof.set_id,
			state_root: *header.state_root(),
			nodes: proof.state_proof.iter().map(|b| b.0.clone()).collect(),
		}
	}

	/// The value of each of `keys` (`None`: proven absent). A key the proof
	/// does not cover is an error, not an absence.
	pub fn read(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, VerifyError> {
		read_proven(&self.state_root, self.nodes.clone(), keys)
	}
}

/// Verify a state proof against `checkpoint`: the storage it opens is then
/// the chain's at a finalized block.
pub fn verify_state(
	proof: &StateProof,
	checkpoint: &Checkpoint,
) -> Result<ProvenState, VerifyError> {
	let header = finalized_header(
		&Finality {
			genesis_hash: proof.genesis_hash,
			set_changes: &proof.set_changes,
			set_id: proof.set_id,
			header: &proof.header,
			justification: &proof.justification,
		},
		checkpoint,
	)?;
	Ok(ProvenState::opened(&header, proof))
}

/// A state proof opened against the header its node sent, trusting that
/// node for finality: for a client reading what it will later have checked
/// offline with [`verify_state`].
pub fn state_as_served(proof: &StateProof) -> Result<ProvenState, VerifyError> {
	let header = Header::decode_all(&mut &proof.header[..])
		.map_err(|e| VerifyError::Header(format!("does not decode: {e}")))?;
	Ok(ProvenState::opened(&header, proof))
}

/// The values of `keys` in the trie of `root` that `nodes` prove.
fn read_proven(
	root: &H256,
	nodes: Vec<Vec<u8>>,
	keys: &[Vec<u8>],
) -> Result<Vec<Option<Vec<u8>>>, VerifyError> {
	let storage_proof = sp_trie::StorageProof::new(nodes);
	let values =
		sp_state_machine::read_proof_check::<BlakeTwo256, _>(*root, storage_proof, keys.iter())
			.map_err(|e| {
				VerifyError::StorageProof(format!(
					"does not open against the state root {root:?}: {e}"
				))
			})?;
	keys.iter()
		.map(|key| {
			values.get(key).cloned().ok_or_else(|| {
				VerifyError::StorageProof(format!("holds no answer for key 0x{}", hex::encode(key)))
			})
		})
		.collect()
}

/// The checks [`verify`] makes, in order, as a skeptic names them.
pub const CHECKS: [&str; 5] = [
	"the proof is of the checkpoint's chain (genesis hash)",
	"each authority-set change since the checkpoint is justified by the outgoing set",
	"the block is finalized by a GRANDPA justification with 2/3 of the set's weight",
	"the storage proof opens against the block's state root",
	"the certificate equals the one assembled from the proven storage",
];

/// One check of a verification and how it went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
	pub check: &'static str,
	/// `Some(true)` passed, `Some(false)` failed, `None` not reached (an
	/// earlier check failed).
	pub passed: Option<bool>,
	pub detail: String,
}

impl VerifyError {
	/// The index in [`CHECKS`] of the check that failed.
	pub fn check(&self) -> usize {
		match self {
			VerifyError::WrongChain { .. } => 0,
			VerifyError::SetChange { .. } | VerifyError::WrongSet { .. } => 1,
			VerifyError::Header(_) | VerifyError::Justification(_) => 2,
			VerifyError::StorageProof(_) => 3,
			VerifyError::CertificateMismatch(_) => 4,
		}
	}
}

/// [`verify`], reported check by check: those before a failure passed, the
/// failing one says why, those after it were not reached.
pub fn report(proof: &CertificateProof, checkpoint: &Checkpoint) -> Vec<CheckResult> {
	let outcome = verify(proof, checkpoint);
	CHECKS
		.iter()
		.enumerate()
		.map(|(i, check)| {
			let (passed, detail) = match &outcome {
				Ok(v) => (Some(true), passed_detail(i, v, proof)),
				Err(e) if i < e.check() => (Some(true), String::new()),
				Err(e) if i == e.check() => (Some(false), e.to_string()),
				Err(_) => (None, "not reached".into()),
			};
			CheckResult { check, passed, detail }
		})
		.collect()
}

fn passed_detail(check: usize, v: &Verified, proof: &CertificateProof) -> String {
	match check {
		0 => format!("genesis {:?}", proof.genesis_hash),
		1 => format!("{} change(s), reaching set {}", proof.set_changes.len(), v.set_id),
		2 => format!("block #{} ({:?}) by set {}", v.block_number, v.block_hash, v.set_id),
		3 => format!("{} trie nodes", proof.state_proof.len()),
		_ => format!("request {}", v.certificate.request),
	}
}

fn authority_list(authorities: &[(H256, u64)]) -> Result<AuthorityList, String> {
	if authorities.is_empty() {
		return Err("the trusted authority set is empty".into());
	}
	Ok(authorities
		.iter()
		.map(|(key, weight)| {
			(AuthorityId::from(sp_core::ed25519::Public::from_raw(key.0)), *weight)
		})
		.collect())
}

/// The change a set-change header enacts: a `ScheduledChange` with no delay
/// (what pallet-grandpa schedules at a session change).
fn scheduled_change(header: &Header) -> Result<ScheduledChange<u32>, String> {
	let id = OpaqueDigestItemId::Consensus(&GRANDPA_ENGINE_ID);
	let mut forced = false;
	for log in header.digest().logs() {
		match log.try_to::<ConsensusLog<u32>>(id) {
			Some(ConsensusLog::ScheduledChange(change)) if change.delay == 0 => return Ok(change),
			Some(ConsensusLog::ScheduledChange(change)) => {
				return Err(format!(
					"block #{} schedules a change with delay {}, not 0",
					header.number(),
					change.delay
				))
			}
			Some(ConsensusLog::ForcedChange(..)) => forced = true,
			_ => {}
		}
	}
	Err(if forced {
		format!("block #{} forces a change, which a light verifier cannot follow", header.number())
	} else {
		format!("block #{} names no authority-set change", header.number())
	})
}

/// Headers by hash, for `finality_grandpa` to walk the precommits' ancestry.
struct Ancestry(HashMap<H256, Header>);

impl Chain<H256, u32> for Ancestry {
	fn ancestry(&self, base: H256, block: H256) -> Result<Vec<H256>, GrandpaError> {
		let mut route = Vec::new();
		let mut current = block;
		while current != base {
			let header = self.0.get(&current).ok_or(GrandpaError::NotDescendent)?;
			current = *header.parent_hash();
			route.push(current);
		}
		route.pop(); // the base itself is not part of the route
		Ok(route)
	}
}

/// Check that `encoded` is a GRANDPA justification of `header` by set
/// `set_id` with `authorities`: target, supermajority, every signature.
fn check_justification(
	encoded: &[u8],
	header: &Header,
	set_id: u64,
	authorities: &AuthorityList,
) -> Result<(), String> {
	let justification = GrandpaJustification::<Header>::decode_all(&mut &encoded[..])
		.map_err(|e| format!("does not decode: {e}"))?;
	let commit = &justification.commit;
	if (commit.target_hash, commit.target_number) != (header.hash(), *header.number()) {
		return Err(format!(
			"finalizes #{} {:?}, not the header's block #{} {:?}",
			commit.target_number,
			commit.target_hash,
			header.number(),
			header.hash()
		));
	}
	let voters = VoterSet::new(authorities.iter().cloned())
		.ok_or("the authority set is empty or has zero weight")?;
	if let Some(stranger) = commit.precommits.iter().find(|s| !voters.contains(&s.id)) {
		return Err(format!("precommit by {} who is not in set {set_id}", stranger.id));
	}
	let ancestry =
		Ancestry(justification.votes_ancestries.iter().map(|h| (h.hash(), h.clone())).collect());
	let result = finality_grandpa::validate_commit(commit, &voters, &ancestry)
		.map_err(|e| format!("commit does not validate: {e:?}"))?;
	if !result.is_valid() {
		let targets: Vec<String> = commit
			.precommits
			.iter()
			.map(|p| format!("#{} {:?}", p.precommit.target_number, p.precommit.target_hash))
			.collect();
		return Err(format!(
			"precommits of set {set_id} do not reach the 2/3 supermajority for block #{} {:?} ({} precommits of {} authorities, for {}; {} ancestry headers)",
			header.number(),
			header.hash(),
			result.num_precommits(),
			authorities.len(),
			targets.join(", "),
			justification.votes_ancestries.len()
		));
	}
	for signed in &commit.precommits {
		let message = finality_grandpa::Message::Precommit(signed.precommit.clone());
		let valid = sp_consensus_grandpa::check_message_signature(
			&message,
			&signed.id,
			&signed.signature,
			justification.round,
			set_id,
		);
		if !valid.is_valid() {
			return Err(format!(
				"the signature of {} does not verify for round {} of set {set_id}",
				signed.id, justification.round
			));
		}
		if signed.precommit.target_hash != header.hash()
			&& ancestry.ancestry(header.hash(), signed.precommit.target_hash).is_err()
		{
			return Err(format!(
				"precommit by {} for {:?} does not descend from the finalized block",
				signed.id, signed.precommit.target_hash
			));
		}
	}
	Ok(())
}

/// The certificate assembled from the storage values the proof opens to.
fn proven_certificate(proof: &CertificateProof, root: &H256) -> Result<Certificate, VerifyError> {
	let claimed = &proof.certificate;
	let keys = certificate::storage_keys(&proof.pallet, claimed.request, claimed.batch);
	let nodes = proof.state_proof.iter().map(|b| b.0.clone()).collect();
	let values = read_proven(root, nodes, &keys)?;
	fn decode<V: Decode>(bytes: Option<Vec<u8>>, name: &str) -> Result<V, VerifyError> {
		let bytes = bytes
			.ok_or_else(|| VerifyError::StorageProof(format!("{name} is absent at this block")))?;
		V::decode_all(&mut &bytes[..])
			.map_err(|e| VerifyError::StorageProof(format!("{name} does not decode: {e}")))
	}
	let (batch_id, index): (BatchId, u32) =
		decode(values[0].clone(), &format!("Requests({})", claimed.request))?;
	if batch_id != claimed.batch {
		return Err(VerifyError::CertificateMismatch(format!(
			"batch (storage says {batch_id}, the certificate {})",
			claimed.batch
		)));
	}
	let batch: BatchInfo<crate::AccountId, u128, u32, Unbounded> =
		decode(values[1].clone(), &format!("Batches({batch_id})"))?;
	let requests: Vec<RequestEntry<crate::AccountId>> =
		decode(values[2].clone(), &format!("BatchRequests({batch_id})"))?;
	let decisions: Option<Vec<Decision<u32>>> = match values[3].clone() {
		None => None,
		some => Some(decode(some, &format!("Decisions({batch_id})"))?),
	};
	certificate::assemble(claimed.request, batch_id, index, &batch, &requests, decisions.as_deref())
		.ok_or_else(|| {
			VerifyError::StorageProof(format!(
				"position {index} of batch {batch_id} does not hold request {}",
				claimed.request
			))
		})
}

/// The fields in which two certificates differ, with both values.
pub fn differences(proven: &Certificate, claimed: &Certificate) -> String {
	let (a, b) = (serde_json::to_value(proven), serde_json::to_value(claimed));
	let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) = (a, b) else {
		return "(not comparable)".into();
	};
	let fields: Vec<String> = a
		.iter()
		.filter(|(k, v)| b.get(*k) != Some(v))
		.map(|(k, v)| {
			format!("{k} (proven {v}, claimed {})", b.get(k).cloned().unwrap_or_default())
		})
		.collect();
	fields.join("; ")
}
