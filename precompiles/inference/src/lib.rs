//! # The inference precompile
//!
//! The marketplace as contracts see it: a precompile of `pallet-revive` at
//! [`ADDRESS`] that answers the Solidity interface `contracts/IInference.sol`
//! (compiled into this crate by `alloy`'s `sol!`, so the two cannot drift):
//!
//! - `certificate(requestId)`: a request's certificate (outcome, certified
//!   labels or output digest, group, input hash, blocks, how many agreed);
//! - `groupTerms(group)`: a group's price (in wei), quorum, members, classes
//!   and whether it takes requests;
//! - `request(group, inputHash)`: order inference as the caller, which pays
//!   the group's price from its own balance (held until the request's batch
//!   closes, then paid or refunded as the outcome says), exactly as a signed
//!   `Inference::request` would; returns the request id.
//!
//! Bad input reverts with a reason and changes nothing: an unknown request or
//! group, an inactive group, a price the caller cannot pay, a call that is
//! read-only (`staticcall`) or carries value, and call data that does not
//! decode (rejected by `pallet-revive` before this code runs).
//!
//! Weights come from the inference pallet's FRAME benchmarks: `request`
//! charges `Inference::request`'s (the case that opens a batch),
//! `certificate` `read_certificate` at the largest batch and `groupTerms`
//! `read_group_terms` at the most members; each refunds down to what the
//! call used (the batch's size, the group's members) once it knows.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use core::{marker::PhantomData, num::NonZero};
use dropbear_primitives::{inference::Outcome, Output};
use pallet_inference::WeightInfo as _;
use pallet_revive::{
	precompiles::{alloy, AddressMatcher, Error, Ext, Precompile},
	AddressMapper,
};
use sp_runtime::{traits::Get, DispatchError};

alloy::sol!(
	#![sol(all_derives)]
	"../../contracts/IInference.sol"
);

use alloy::{
	primitives::{Address, FixedBytes, U256},
	sol_types::SolCall,
};
use IInference::IInferenceCalls;

/// The two bytes of [`ADDRESS`] that `pallet-revive` matches (bytes 16 and 17).
pub const ADDRESS_TAG: u16 = 0xDB00;

/// The precompile's address: `0x00000000000000000000000000000000dB000000`.
pub const ADDRESS: [u8; 20] = {
	let mut a = [0u8; 20];
	a[16] = (ADDRESS_TAG >> 8) as u8;
	a[17] = (ADDRESS_TAG & 0xff) as u8;
	a
};

/// The precompile, for `pallet_revive::Config::Precompiles` of a runtime with
/// the inference pallet.
pub struct InferencePrecompile<T>(PhantomData<T>);

impl<T> Precompile for InferencePrecompile<T>
where
	T: pallet_revive::Config + pallet_inference::Config,
	pallet_inference::BalanceOf<T>: Into<pallet_revive::BalanceOf<T>>,
{
	type T = T;
	type Interface = IInferenceCalls;
	const MATCHER: AddressMatcher = AddressMatcher::Fixed(match NonZero::new(ADDRESS_TAG) {
		Some(tag) => tag,
		None => panic!("the address tag is not zero"),
	});
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		match input {
			IInferenceCalls::certificate(IInference::certificateCall { requestId }) => {
				// Charged for the largest batch, then refunded down to the
				// batch read.
				let charged = env.charge(InferenceWeights::<T>::read_certificate(
					<T as pallet_inference::Config>::MaxBatchSize::get(),
				))?;
				let (cert, batch) =
					pallet_inference::Pallet::<T>::certificate_with_batch(*requestId)
						.ok_or_else(|| revert("unknown request: never ordered, or pruned"))?;
				env.adjust_gas(charged, InferenceWeights::<T>::read_certificate(batch.len));
				let (labels, digest) = match &cert.outcome {
					Outcome::Certified(Output::Label(l)) => (alloc::vec![*l], [0u8; 32]),
					Outcome::Certified(Output::Labels(ls)) => (ls.to_vec(), [0u8; 32]),
					Outcome::Certified(Output::Digest(d)) => (Vec::new(), *d),
					_ => (Vec::new(), [0u8; 32]),
				};
				let out = IInference::Certificate {
					requestId: cert.request,
					group: cert.group,
					client: address_of::<T>(&cert.client),
					inputHash: FixedBytes(cert.input_hash),
					outcome: outcome(&cert.outcome),
					labels,
					outputDigest: FixedBytes(digest),
					agreed: count(cert.agreed.len()),
					members: count(cert.versions.len()),
					orderedAt: block(cert.ordered_at),
					decidedAt: cert.decided_at.map(block).unwrap_or(0),
					settled: batch.closed,
					fee: wei::<T>(cert.fee),
				};
				Ok(IInference::certificateCall::abi_encode_returns(&out))
			}
			IInferenceCalls::groupTerms(IInference::groupTermsCall { group }) => {
				// Charged for the most members, then refunded down to the
				// members read.
				let charged = env.charge(InferenceWeights::<T>::read_group_terms(
					<T as pallet_inference::Config>::MaxMembers::get(),
				))?;
				let (terms, members) = pallet_inference::Pallet::<T>::terms_and_members(*group)
					.ok_or_else(|| revert("unknown group"))?;
				// Every member's model and version was read, serving or not.
				env.adjust_gas(charged, InferenceWeights::<T>::read_group_terms(terms.members));
				let out = IInference::GroupTerms {
					price: wei::<T>(terms.price),
					quorum: terms.quorum,
					members,
					classes: terms.classes,
					active: terms.active,
				};
				Ok(IInference::groupTermsCall::abi_encode_returns(&out))
			}
			IInferenceCalls::request(IInference::requestCall { group, inputHash }) => {
				let charged = env.charge(pallet_inference::Pallet::<T>::max_order_weight())?;
				if env.is_read_only() {
					return Err(revert("request changes state: not in a static call"));
				}
				if !env.value_transferred().is_zero() {
					return Err(revert(
						"request takes no value: the price is held from the caller's balance",
					));
				}
				let client =
					env.caller().account_id().map_err(|_| revert("root cannot order"))?.clone();
				let (id, used) = pallet_inference::Pallet::<T>::order(&client, *group, inputHash.0)
					.map_err(request_error::<T>)?;
				env.adjust_gas(charged, used);
				Ok(IInference::requestCall::abi_encode_returns(&id))
			}
		}
	}
}

/// The inference pallet's benchmarked weights, which price this precompile's
/// calls too.
type InferenceWeights<T> = <T as pallet_inference::Config>::WeightInfo;

fn outcome(outcome: &Outcome) -> IInference::Outcome {
	match outcome {
		Outcome::Pending => IInference::Outcome::Pending,
		Outcome::Certified(_) => IInference::Outcome::Certified,
		Outcome::NoAgreement => IInference::Outcome::NoAgreement,
		Outcome::Expired => IInference::Outcome::Expired,
		Outcome::InputUnavailable => IInference::Outcome::InputUnavailable,
	}
}

fn address_of<T: pallet_revive::Config>(account: &T::AccountId) -> Address {
	Address::from(T::AddressMapper::to_address(account).0)
}

fn wei<T>(amount: pallet_inference::BalanceOf<T>) -> U256
where
	T: pallet_revive::Config + pallet_inference::Config,
	pallet_inference::BalanceOf<T>: Into<pallet_revive::BalanceOf<T>>,
{
	let value = pallet_revive::Pallet::<T>::convert_native_to_evm(amount.into());
	U256::from_be_bytes(value.to_big_endian())
}

fn count(n: usize) -> u32 {
	u32::try_from(n).unwrap_or(u32::MAX)
}

fn block<N: TryInto<u32>>(n: N) -> u32 {
	n.try_into().unwrap_or(u32::MAX)
}

fn revert(reason: &str) -> Error {
	Error::Revert(String::from(reason).into())
}

/// The inference pallet's refusals as revert reasons a contract can read;
/// anything else (out of weight, a failure of the chain) traps as the
/// contracts pallet's own errors do.
fn request_error<T: pallet_inference::Config>(e: DispatchError) -> Error {
	use pallet_inference::Error as E;
	let is = |known: E<T>| e == DispatchError::from(known);
	let reason = if is(E::<T>::UnknownGroup) {
		"unknown group"
	} else if is(E::<T>::GroupInactive) {
		"the group is inactive: fewer members than its quorum"
	} else if is(E::<T>::CannotPayFee) {
		"the caller cannot pay the group's price"
	} else {
		return Error::Error(e.into());
	};
	revert(reason)
}

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
