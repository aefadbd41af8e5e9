//! Lies: a member's signed answer ([`SignedAnswer`]) that its revealed vote
//! contradicts. The chain slashes the member's owner on the pair
//! (`Inference::report_lie`); anyone holding the answer may submit it.
//!
//! A client that holds a quorum receipt holds `q` signed answers. Once the
//! requests for the receipt's input are voted, [`Client::lies`] compares each
//! answer with its member's vote on the request, and [`Client::report_lie`]
//! hands each contradiction to the chain.

use crate::{runtime, Client, Keypair, ModelId, Output, RequestId};
use anyhow::{anyhow, Result};
use dropbear_api::{answer::SignedAnswer, Static};

/// A member that signed one output and voted another on a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lie {
	pub request: RequestId,
	pub answer: SignedAnswer,
	/// What the member revealed for the request.
	pub voted: Output,
}

/// A lie the chain took: the owner slashed `slashed` (zero when already
/// slashed in this offence window).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proven {
	pub model: ModelId,
	pub slashed: u128,
}

impl Client {
	/// The answers among `answers` (signed for the input of `request`, with
	/// the version that served it) that their members' revealed votes on
	/// `request` contradict. A member that has not revealed yet, voted
	/// `Unavailable`, or answered with another version is not counted.
	pub async fn lies(&self, request: RequestId, answers: &[SignedAnswer]) -> Result<Vec<Lie>> {
		let certificate = self
			.certificate(request)
			.await?
			.ok_or_else(|| anyhow!("request {request} is not in storage"))?;
		let (batch, index) = (certificate.batch, certificate.index);
		let view = self.batch(batch).await?.ok_or_else(|| anyhow!("batch {batch} is pruned"))?;
		let entry =
			view.requests.get(index as usize).ok_or_else(|| anyhow!("no request at {index}"))?;
		let mut lies = Vec::new();
		for signed in answers {
			let answer = &signed.answer;
			if answer.input_hash != entry.input_hash || answer.group != view.group {
				continue;
			}
			let Some(position) = view.members.iter().position(|m| m.model == answer.model) else {
				continue;
			};
			if view.members.get(position).map(|m| m.version) != Some(answer.version) {
				continue;
			}
			let voted = view
				.votes
				.get(position)
				.and_then(|v| v.as_ref())
				.and_then(|outputs| outputs.get(index as usize));
			if let Some(voted) = voted {
				if *voted != Output::Unavailable && *voted != answer.output {
					lies.push(Lie { request, answer: signed.clone(), voted: voted.clone() });
				}
			}
		}
		Ok(lies)
	}

	/// Prove `lie` on chain, signed (and paid for, if refused) by `signer`.
	pub async fn report_lie(&self, signer: &Keypair, lie: &Lie) -> Result<Proven> {
		use runtime::runtime_types::sp_runtime::MultiSignature;
		let call = runtime::tx().inference().report_lie(
			lie.request,
			Static(lie.answer.answer.clone()),
			MultiSignature::Sr25519(lie.answer.signature),
		);
		let included = self.submit(signer, &call).await?;
		let event = included
			.events
			.find_first::<runtime::inference::events::Lied>()
			.ok_or_else(|| anyhow!("the report of request {} left no Lied event", lie.request))??;
		Ok(Proven { model: event.model, slashed: event.slashed })
	}
}
