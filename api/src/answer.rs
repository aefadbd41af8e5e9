//! Signed answers ([`Answer`]) with the worker keys that sign them: a
//! worker signs each answer it gives a client, and anyone checks the
//! signature against the model's worker key on chain.

use crate::{AccountId, Keypair};
pub use dropbear_primitives::{Answer, ANSWER_CONTEXT};
use serde::{Deserialize, Serialize};
use subxt_signer::sr25519;

/// A member's answer with its worker key's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedAnswer {
	pub answer: Answer,
	/// The key that signed: the model's worker key on chain.
	pub worker: AccountId,
	#[serde(with = "signature_hex")]
	pub signature: [u8; 64],
}

impl SignedAnswer {
	/// `answer` signed with the worker key `key`.
	pub fn sign(answer: Answer, key: &Keypair) -> Self {
		let signature = key.sign(&answer.payload()).0;
		Self { answer, worker: crate::account(key), signature }
	}

	/// Whether the signature is `worker`'s over the answer.
	pub fn verify(&self) -> bool {
		sr25519::verify(
			&sr25519::Signature(self.signature),
			self.answer.payload(),
			&sr25519::PublicKey(self.worker.0),
		)
	}
}

/// A signature as `0x` hex.
mod signature_hex {
	use serde::{de::Error, Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(signature: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&format!("0x{}", hex::encode(signature)))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
		let text = String::deserialize(d)?;
		let bytes = hex::decode(text.trim_start_matches("0x")).map_err(D::Error::custom)?;
		bytes.try_into().map_err(|_| D::Error::custom("a signature is 64 bytes"))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::Output;

	#[test]
	fn a_signed_answer_verifies_and_any_change_breaks_it() {
		let key = crate::keys::signer("//Bob-worker").unwrap();
		let answer = Answer {
			genesis_hash: [4; 32],
			group: 0,
			input_hash: [9; 32],
			model: 1,
			version: 2,
			output: Output::Label(3),
		};
		let signed = SignedAnswer::sign(answer, &key);
		assert!(signed.verify());
		let json = serde_json::to_string(&signed).unwrap();
		assert_eq!(serde_json::from_str::<SignedAnswer>(&json).unwrap(), signed);

		let mut other = signed.clone();
		other.answer.output = Output::Label(4);
		assert!(!other.verify(), "another output");
		let mut other = signed.clone();
		other.answer.genesis_hash = [5; 32];
		assert!(!other.verify(), "another chain");
		let mut other = signed.clone();
		other.worker = crate::account(&crate::keys::signer("//Alice-worker").unwrap());
		assert!(!other.verify(), "another key");
	}
}
