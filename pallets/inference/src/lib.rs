//! # Inference pallet
//!
//! The market itself: clients pay for inference requests, the members of a
//! model group vote digests of their results, and agreeing votes become
//! inference certificates that pay the members who gave the answer.
//!
//! ## Terms
//!
//! - **Request**: a client's order for one input (known on chain by its
//!   blake2-256 `input_hash`; the bytes go to the workers off chain). The
//!   group's price is held from the client under [`HoldReason::Fee`].
//! - **Batch**: the requests for one group ordered in one block, in extrinsic
//!   order, split at the group's maximum batch size. When a batch is created it
//!   records the group's members with the model versions that serve that block
//!   (from [`ModelRegistry::serving_members`]) and a deadline
//!   `created + VoteTimeout`. Every worker reads the same batch from the block.
//! - **Vote**: one member's canonical outputs for every request of a batch, in
//!   batch order, given in two steps by the key authorized for the member's
//!   model *now* (a revoked or replaced key votes for nobody):
//!   - **commit**: a digest binding the member to its outputs,
//!     [`certificate::commitment`]`(batch, model, version, outputs, salt)`,
//!     taken until the batch's `commit_until` block
//!     (`created + CommitWindow`), with the digest of the requests it was
//!     made for ([`dropbear_primitives::inference::requests_digest`]): when
//!     BABE forks at the block that orders a batch, the two branches can
//!     order other requests under one batch id, and a commitment made on one
//!     branch that lands on the other is refused there
//!     ([`Error::OtherRequests`]) instead of binding the member to outputs
//!     for requests it never saw; its worker commits again for the requests
//!     of the branch that won;
//!   - **reveal**: the outputs and the salt, taken once every member has
//!     committed or the commit window has passed, until the deadline. Only
//!     revealed votes that match their commitment count.
//!
//!   Nobody can copy an answer it has not seen, and nobody sees one before
//!   the commit phase ends: a member that waits for others' reveals has
//!   missed its chance to commit. Valid commitments and reveals pay no fee.
//!   An output may be [`Output::Unavailable`]: the member could not get the
//!   request's input bytes.
//! - **Decision**: per request, [`dropbear_primitives::decide`] over the
//!   revealed votes: *certified* once `q` members gave equal outputs;
//!   *input-unavailable* once `q` members reported `Unavailable` (the client
//!   never gave the input to the group: its fee goes to those members); *no
//!   agreement* as soon as no output can reach `q`; *expired* if the batch
//!   reaches its deadline undecided. One request's missing input never
//!   touches its batch-mates.
//!   pallet-models keeps `q` above half of the members, so two outputs can
//!   never both be certified.
//! - **Certificate**: the decision with the request, group, input hash, the
//!   batch's member versions and who agreed, dissented or did not vote. Kept in
//!   storage for [`Config::CertificateRetention`] blocks after the batch closes
//!   and always emitted in a [`Event::Decided`] event (archive nodes keep them
//!   all). The runtime API ([`runtime_api::InferenceApi`]) assembles it.
//!
//! ## Money
//!
//! An order holds its requests' fees in one hold, whatever its number of
//! requests. Fees are settled when a batch closes at its deadline, not by the vote
//! that decides (so that a vote's cost does not grow with the number of
//! clients in its batch). A certified request's fee is split equally among
//! the owners of the members that agreed; the rounding remainder
//! (`price mod agreed`) goes back to the client. A request without agreement,
//! or expired, has its hold released in full. Fees move from the clients' holds through the pallet's
//! pot account (which keeps only its existential deposit between calls), so a
//! settlement costs one transfer per client and one per owner, not one per
//! request and member. Nothing is minted or burned here except the slash of an
//! equivocating owner, which pallet-models applies.
//!
//! ## Cost of a vote
//!
//! A commitment writes one item. A reveal writes one storage item (its outputs) and, while the batch has
//! undecided requests, reads the other members' votes (at most
//! `MaxMembers - 1` items) and writes the batch's decisions: O(1) storage
//! operations in the batch length, whatever the number of clients. The CPU
//! work is O(members x batch) output comparisons.
//!
//! ## Faults
//!
//! A second, different commitment from a member for the same batch is
//! equivocation: it is not stored (the first stands), the member's record
//! notes it, and the owner is slashed [`Config::EquivocationSlash`] of its
//! bond, **at most once per [`Config::OffenceWindow`]** (a window is the
//! blocks `k x OffenceWindow .. (k + 1) x OffenceWindow`), so that a stolen
//! hot key cannot burn a bond by equivocating on every batch. The call
//! succeeds (so the slash stands) and pays its fee. The same commitment sent
//! again is refused as a duplicate, without a slash. A member whose owner's
//! bond falls below the group's minimum is suspended
//! ([`ModelRegistry::is_suspended`]): its commitments and reveals are refused,
//! so it counts for nothing and earns nothing until its owner bonds again.
//! Reveals after a batch was decided (before its deadline) change no decision
//! but count in the member's record; a commitment never revealed counts as
//! missed.
//!
//! ## Lies
//!
//! A worker signs every answer it gives a client off chain
//! ([`dropbear_primitives::Answer`]: genesis hash, group, input hash, model,
//! version, output). A member whose revealed vote on a request differs from
//! an answer its worker signed for that request's input and version has
//! lied to someone. Anyone may prove it with [`Pallet::report_lie`] while the
//! vote is in storage: the call checks that the answer names this chain,
//! the request's group and input, a member of its batch with the version
//! that served it, and that it is signed by the key that revealed the vote
//! (kept in [`Revealers`], so that a key rotated after the reveal does not
//! void the proof). The owner is slashed as for equivocation (the same
//! share, the same once-per-offence-window bound, shared between the two
//! offences), and the lie counts in the member's record
//! ([`MemberRecord::lied`]), slashed or not. A vote of [`Output::Unavailable`] is not a lie: a worker that
//! lost an input in a restart says so honestly. A proven lie costs the
//! reporter nothing; a refused report pays its fee.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

pub mod migrations;
pub mod runtime_api;
mod settlement;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

/// How a certificate is assembled from storage, and which keys prove it: one
/// pure function shared with the offline verifier.
pub use dropbear_primitives::inference as certificate;
pub use dropbear_primitives::{
	inference::MAX_CERTIFICATES_PER_CALL, AgreementPolicy, Answer, Digest, GroupId, GroupTerms,
	ModelId, ModelRegistry, Output, VersionNumber,
};
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use dropbear_primitives::inference::{extend_requests_digest, NO_REQUESTS};
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{self, Inspect, MutateHold},
	PalletId,
};
use frame_system::pallet_prelude::*;
use sp_runtime::{
	traits::{AccountIdConversion, CheckedDiv, IdentifyAccount, Saturating, Verify, Zero},
	Perbill,
};

const LOG_TARGET: &str = "runtime::inference";

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A batch record.
pub type BatchOf<T> = BatchInfo<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::MaxMembers,
>;
/// Makes what a benchmark of [`Pallet::report_lie`] needs: a key and its
/// signature over an answer's payload.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Signature> {
	/// A fresh key's account and its signature over `message`.
	fn sign(message: &[u8]) -> (AccountId, Signature);
}

/// A stored (revealed) vote.
pub type VoteOf<T> = Vote<BlockNumberFor<T>, <T as Config>::MaxBatchSize>;
/// A stored commitment.
pub type CommitmentOf<T> = Commitment<BlockNumberFor<T>>;
/// A batch with the position and record of the member voting on it.
pub type VotingMember<T> = (BatchOf<T>, u32, BatchMember<<T as frame_system::Config>::AccountId>);
/// A batch's request list.
pub type RequestsOf<T> =
	BoundedVec<RequestEntry<<T as frame_system::Config>::AccountId>, <T as Config>::MaxBatchSize>;
/// A batch's decisions.
pub type DecisionsOf<T> = BoundedVec<Decision<BlockNumberFor<T>>, <T as Config>::MaxBatchSize>;
/// A certificate as the runtime API returns it.
pub type CertificateOf<T> =
	Certificate<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// A batch as the runtime API returns it.
pub type BatchViewOf<T> =
	BatchView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

#[frame_support::pallet]
// FRAME's storage, pallet and error macros expand to `expect()` in this
// module; the hand-written code here uses none (and keeps the other lints).
#[allow(clippy::expect_used)]
pub mod pallet {
	use super::*;

	/// Storage layout version; bump with a migration in `migrations/`.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A request's fee, held from the client until the request is decided.
		Fee,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency fees are paid in.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// The model registry: group terms, serving members, slashing.
		type Registry: ModelRegistry<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;

		/// Derives the pot account fees pass through.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Blocks a batch takes votes for, counted from its creation.
		#[pallet::constant]
		type VoteTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks after its creation a batch takes commitments for; reveals
		/// open when every member has committed or this window has passed.
		/// Less than `VoteTimeout`.
		#[pallet::constant]
		type CommitWindow: Get<BlockNumberFor<Self>>;

		/// An owner is slashed for equivocation at most once per window of
		/// this many blocks.
		#[pallet::constant]
		type OffenceWindow: Get<BlockNumberFor<Self>>;

		/// Blocks a closed batch's certificates stay in storage.
		#[pallet::constant]
		type CertificateRetention: Get<BlockNumberFor<Self>>;

		/// Most requests in one batch; at least the registry's largest group
		/// batch size.
		#[pallet::constant]
		type MaxBatchSize: Get<u32>;

		/// Most members of a batch (at most 32: member sets are bit masks); at
		/// least the registry's group size.
		#[pallet::constant]
		type MaxMembers: Get<u32>;

		/// Most input hashes in one `request_batch`.
		#[pallet::constant]
		type MaxRequestsPerCall: Get<u32>;

		/// Share of an equivocating owner's bond that is slashed (once per
		/// offence window).
		#[pallet::constant]
		type EquivocationSlash: Get<Perbill>;

		/// Most batches closed in one block's `on_initialize`; the rest close
		/// in the next blocks (they take no votes after their deadline either way).
		#[pallet::constant]
		type MaxClosesPerBlock: Get<u32>;

		/// Most weight `on_initialize` spends closing batches (at least one
		/// batch closes in a block where one is due, whatever its cost).
		#[pallet::constant]
		type MaxCloseWeight: Get<Weight>;

		/// A worker key's signature over a signed answer
		/// ([`sp_runtime::MultiSignature`] in the runtime).
		type AnswerSignature: Parameter
			+ Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>>;

		/// Signs answers for the benchmark of `report_lie`.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::AnswerSignature>;

		/// Weights of the calls and hooks, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The next request id.
	#[pallet::storage]
	pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

	/// The next batch id.
	#[pallet::storage]
	pub type NextBatchId<T> = StorageValue<_, BatchId, ValueQuery>;

	/// The oldest batch not yet closed; batches close in id order.
	#[pallet::storage]
	pub type NextToClose<T> = StorageValue<_, BatchId, ValueQuery>;

	/// The oldest batch still in storage; batches are pruned in id order.
	#[pallet::storage]
	pub type NextToPrune<T> = StorageValue<_, BatchId, ValueQuery>;

	/// The batch of a group that takes this block's requests, with its block.
	#[pallet::storage]
	pub type FillingBatch<T: Config> =
		StorageMap<_, Twox64Concat, GroupId, (BlockNumberFor<T>, BatchId), OptionQuery>;

	/// Batches.
	#[pallet::storage]
	pub type Batches<T: Config> = StorageMap<_, Twox64Concat, BatchId, BatchOf<T>, OptionQuery>;

	/// Each batch's requests, in batch order.
	#[pallet::storage]
	pub type BatchRequests<T: Config> =
		StorageMap<_, Twox64Concat, BatchId, RequestsOf<T>, ValueQuery>;

	/// The [`certificate::requests_digest`] of each open batch's requests,
	/// which its commitments must name; removed when the batch closes.
	#[pallet::storage]
	pub type RequestsDigests<T: Config> = StorageMap<_, Twox64Concat, BatchId, Digest, OptionQuery>;

	/// Each batch's decisions, in batch order; absent until the first vote.
	#[pallet::storage]
	pub type Decisions<T: Config> =
		StorageMap<_, Twox64Concat, BatchId, DecisionsOf<T>, OptionQuery>;

	/// Commitments by batch and member position.
	#[pallet::storage]
	pub type Commitments<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BatchId, Twox64Concat, u32, CommitmentOf<T>, OptionQuery>;

	/// Revealed votes by batch and member position.
	#[pallet::storage]
	pub type Votes<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BatchId, Twox64Concat, u32, VoteOf<T>, OptionQuery>;

	/// The key that revealed each vote, by batch and member position, and
	/// whether a lie was proven against the vote. Pruned with the votes.
	#[pallet::storage]
	pub type Revealers<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		BatchId,
		Twox64Concat,
		u32,
		Revealer<T::AccountId>,
		OptionQuery,
	>;

	/// The offence window in which an owner was last slashed (for
	/// equivocation or a proven lie).
	#[pallet::storage]
	pub type LastSlashWindow<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>, OptionQuery>;

	/// Where a request sits: its batch and position.
	#[pallet::storage]
	pub type Requests<T: Config> =
		StorageMap<_, Twox64Concat, RequestId, (BatchId, u32), OptionQuery>;

	/// Batches not yet closed, by group, with their deadlines (storage
	/// version 2; version 1 kept `()`, see [`migrations::v2`]).
	#[pallet::storage]
	pub type OpenBatches<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		GroupId,
		Twox64Concat,
		BatchId,
		BlockNumberFor<T>,
		OptionQuery,
	>;

	/// Each member's record, by group and model.
	#[pallet::storage]
	pub type MemberRecords<T: Config> =
		StorageDoubleMap<_, Twox64Concat, GroupId, Twox64Concat, ModelId, MemberRecord, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::ensure_pot();
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A batch was created for `group`; `members` lists each member's model
		/// and serving version (bit `i` of the masks in [`Event::Decided`] is the
		/// `i`-th of them). Votes are taken before block `deadline`.
		BatchOpened {
			batch: BatchId,
			group: GroupId,
			members: BoundedVec<(ModelId, VersionNumber), T::MaxMembers>,
			deadline: BlockNumberFor<T>,
		},
		/// A request was ordered into `batch` at position `index`; `fee` is held.
		Requested {
			request: RequestId,
			client: T::AccountId,
			group: GroupId,
			batch: BatchId,
			index: u32,
			input_hash: Digest,
			fee: BalanceOf<T>,
		},
		/// A member committed to its outputs for a batch.
		Committed { batch: BatchId, model: ModelId },
		/// A member revealed its outputs for a batch; `late` when every request
		/// was already decided.
		Revealed { batch: BatchId, model: ModelId, late: bool },
		/// Requests of `batch` were decided: the certificates.
		Decided {
			batch: BatchId,
			group: GroupId,
			decisions: BoundedVec<Decision<BlockNumberFor<T>>, T::MaxBatchSize>,
		},
		/// Fees of certified requests went to an owner.
		FeesPaid { batch: BatchId, owner: T::AccountId, amount: BalanceOf<T> },
		/// Held fees went back to a client (uncertified requests, rounding).
		FeesReleased { batch: BatchId, client: T::AccountId, amount: BalanceOf<T> },
		/// A member sent a second, different commitment for a batch; its owner
		/// was slashed `slashed` (zero when already slashed in this offence
		/// window).
		Equivocated { batch: BatchId, model: ModelId, owner: T::AccountId, slashed: BalanceOf<T> },
		/// A batch reached its deadline; `expired` requests were still undecided.
		BatchClosed { batch: BatchId, expired: u32 },
		/// `reporter` proved that a member lied on `request`: its worker signed
		/// `answered` and revealed `voted`. Its owner was slashed `slashed` (zero
		/// when already slashed in this offence window).
		Lied {
			request: RequestId,
			batch: BatchId,
			model: ModelId,
			owner: T::AccountId,
			answered: Output,
			voted: Output,
			reporter: T::AccountId,
			slashed: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No such group: check the group id.
		UnknownGroup,
		/// The group has fewer members than its quorum and takes no requests.
		GroupInactive,
		/// `max_fee` is below the group's price: offer at least the price.
		FeeBelowPrice,
		/// The client's free balance cannot cover the fees.
		CannotPayFee,
		/// A batch request needs at least one input hash.
		NoInputs,
		/// More input hashes than `MaxRequestsPerCall`: split the call.
		TooManyRequests,
		/// No such batch (never created, or pruned after its retention).
		UnknownBatch,
		/// The batch is still being filled in this block: vote in a later block.
		BatchStillFilling,
		/// The batch reached its deadline and takes no more votes.
		BatchClosed,
		/// The signer is not the key authorized now for any member of this batch.
		NotMember,
		/// The member's owner has bonded less than the group's minimum (bond
		/// more before voting again), or the model is no longer a member of
		/// the group.
		MemberSuspended,
		/// The batch's commit window has passed: no more commitments.
		CommitWindowClosed,
		/// This exact commitment is already recorded.
		AlreadyCommitted,
		/// The member already equivocated on this batch; no further commitments count.
		AlreadyEquivocated,
		/// Reveals wait until every member has committed or the commit window
		/// has passed: reveal in a later block.
		CommitPhaseOpen,
		/// The member has no commitment for this batch to reveal.
		NoCommitment,
		/// The member already revealed its vote on this batch.
		AlreadyRevealed,
		/// The revealed outputs and salt do not hash to the member's commitment.
		RevealMismatch,
		/// The vote names another model version than the one serving this batch.
		WrongVersion,
		/// The vote needs exactly one output per request of the batch.
		WrongLength,
		/// An output does not fit the group's agreement policy (kind, label
		/// range, or top-k labels not distinct and ascending).
		MalformedOutput,
		/// Too many requests or batches for the counters (never in practice).
		Overflow,
		/// A fee transfer failed; nothing was changed.
		FeeTransferFailed,
		/// No such request (never ordered, or pruned after its retention).
		UnknownRequest,
		/// The answer names another chain (its genesis hash is not this chain's).
		AnswerForOtherChain,
		/// The answer is for another group or input than the request.
		AnswerForOtherRequest,
		/// The answer's model is not a member of the request's batch.
		AnswerNotByMember,
		/// The answer names another model version than the one that served the
		/// request's batch: a different output is no lie.
		AnswerForOtherVersion,
		/// The member has not revealed a vote on the request's batch (yet).
		NotRevealed,
		/// The answer's signature is not that of the key that revealed the
		/// member's vote.
		BadAnswerSignature,
		/// The member voted the answer it signed (or `Unavailable`): no lie.
		NotALie,
		/// A lie against this vote was already proven.
		AlreadyConvicted,
		/// The commitment was made for other requests than this batch holds
		/// (read on a fork that ordered others under this batch id): read the
		/// batch again and commit for its requests.
		OtherRequests,
		/// `commit` names no requests and is retired: send
		/// `commit_for_requests` with the digest of the batch's requests.
		RequestsNotNamed,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Close the batches whose deadline is this block.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::close_due(now)
		}

		/// Prune batches past their retention with the weight left over.
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::prune(now, remaining)
		}

		fn integrity_test() {
			assert!(T::MaxMembers::get() >= 1, "batches need room for members");
			assert!(T::MaxMembers::get() <= 32, "member masks are 32 bits");
			assert!(T::MaxBatchSize::get() >= 1, "batches need room for requests");
			assert!(T::MaxRequestsPerCall::get() >= 1, "batch requests need room");
			assert!(T::MaxClosesPerBlock::get() >= 1, "batches must close");
			assert!(!T::VoteTimeout::get().is_zero(), "batches need blocks to take votes");
			assert!(!T::CommitWindow::get().is_zero(), "batches need blocks to take commitments");
			assert!(
				T::CommitWindow::get() < T::VoteTimeout::get(),
				"reveals need blocks after the commit window"
			);
			assert!(!T::OffenceWindow::get().is_zero(), "offence windows need blocks");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Order inference of one input by `group`.
		///
		/// - Origin: Signed, the client.
		/// - `input_hash`: blake2-256 of the input bytes given to the group's workers.
		/// - `max_fee`: the most the client pays; refused if below the group's price.
		///
		/// The price is held from the client until the request is decided. The
		/// request joins the group's batch of this block (a new one when none
		/// exists or it is full). Complexity: O(1), plus O(members) when it opens
		/// a batch.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::request_batch(1))]
		pub fn request(
			origin: OriginFor<T>,
			group: GroupId,
			input_hash: Digest,
			max_fee: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let client = ensure_signed(origin)?;
			let opened =
				Self::do_request(&client, group, core::slice::from_ref(&input_hash), max_fee)?;
			Ok(Some(Self::request_weight(1, opened)).into())
		}

		/// Order inference of many inputs by `group`, for gateways serving many
		/// users. Each hash is one request, in the order given.
		///
		/// - Origin: Signed, the client.
		/// - `input_hashes`: 1 to `MaxRequestsPerCall` input digests.
		/// - `max_fee_each`: the most the client pays per request.
		///
		/// Holds `price x len` from the client, in one hold. Complexity: O(len), plus
		/// O(members) per batch it opens; charged for a new batch per request
		/// and refunded for the batches it did not open.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::request_batch(
			(input_hashes.len() as u32).min(T::MaxRequestsPerCall::get())
		))]
		pub fn request_batch(
			origin: OriginFor<T>,
			group: GroupId,
			input_hashes: Vec<Digest>,
			max_fee_each: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let client = ensure_signed(origin)?;
			ensure!(!input_hashes.is_empty(), Error::<T>::NoInputs);
			ensure!(
				input_hashes.len() <= T::MaxRequestsPerCall::get() as usize,
				Error::<T>::TooManyRequests
			);
			let opened = Self::do_request(&client, group, &input_hashes, max_fee_each)?;
			Ok(Some(Self::request_weight(input_hashes.len() as u32, opened)).into())
		}

		/// Retired: the commitment of runtimes before spec 103, which named no
		/// requests. Always refused with [`Error::RequestsNotNamed`]; kept
		/// under its index and name so that a worker tells the two runtimes
		/// apart and an older worker gets a clear error.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::commit())]
		pub fn commit(
			origin: OriginFor<T>,
			batch: BatchId,
			commitment: Digest,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let _ = (batch, commitment);
			Err(Error::<T>::RequestsNotNamed.into())
		}

		/// Commit to the outputs of a member's model for a batch's requests.
		///
		/// - Origin: Signed by the worker key authorized now for a member of the batch.
		/// - `batch`: a batch created in an earlier block, before its `commit_until` block.
		/// - `requests`: the batch's requests as the member read them,
		///   [`dropbear_primitives::inference::requests_digest`] of their input
		///   hashes in batch order; refused unless it is this chain's.
		/// - `commitment`: [`certificate::commitment`]`(batch, model, version,
		///   outputs, salt)` of the outputs the member will reveal.
		///
		/// A valid commitment pays no fee. A second, different commitment for the
		/// same batch is equivocation (see the module docs). Complexity: O(1).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::commit())]
		pub fn commit_for_requests(
			origin: OriginFor<T>,
			batch: BatchId,
			requests: Digest,
			commitment: Digest,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_commit(&worker, batch, requests, commitment)
		}

		/// Reveal the outputs a member committed to for a batch.
		///
		/// - Origin: Signed by the worker key authorized now for a member of the batch.
		/// - `batch`: a batch whose commit phase has ended (every member
		///   committed, or `commit_until` passed), before its deadline.
		/// - `version`: the member's model version recorded in the batch.
		/// - `outputs`: one canonical output per request, in batch order
		///   ([`Output::Unavailable`] for an input the member could not get).
		/// - `salt`: the salt of the commitment.
		///
		/// A valid reveal pays no fee. Decides every request that it makes
		/// decidable (fees move when the batch closes). Complexity: O(1)
		/// storage items in the batch length, O(members x len) comparisons.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::reveal(
			(outputs.len() as u32).min(T::MaxBatchSize::get())
		))]
		pub fn reveal(
			origin: OriginFor<T>,
			batch: BatchId,
			version: VersionNumber,
			outputs: Vec<Output>,
			salt: Digest,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_reveal(&worker, batch, version, outputs, salt)
		}

		/// Prove that a member lied on a request: its worker signed `answer`
		/// for the request's input and revealed another output (see the module
		/// docs, "Lies").
		///
		/// - Origin: Signed, anyone (a client holding the signed answer).
		/// - `request`: a request still in storage, whose batch the member revealed on.
		/// - `answer`: the signed answer, naming this chain, the request's group
		///   and input hash, a member of its batch and the version that served it.
		/// - `signature`: over [`Answer::payload`], by the key that revealed the vote.
		///
		/// Slashes the member's owner as for equivocation; a proven lie pays no
		/// fee. Complexity: O(1) storage items, one signature check, O(batch)
		/// to find the request's input hash.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::report_lie())]
		pub fn report_lie(
			origin: OriginFor<T>,
			request: RequestId,
			answer: Answer,
			signature: T::AnswerSignature,
		) -> DispatchResultWithPostInfo {
			let reporter = ensure_signed(origin)?;
			Self::do_report_lie(reporter, request, answer, &signature)
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The account fees pass through.
	pub fn pot() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// Give the pot its existential deposit so that fees of any size can pass
	/// through it.
	pub(crate) fn ensure_pot() {
		use fungible::Mutate;
		let pot = Self::pot();
		let ed = T::Currency::minimum_balance();
		let have = T::Currency::balance(&pot);
		if have < ed {
			if let Err(e) = T::Currency::mint_into(&pot, ed.saturating_sub(have)) {
				log::error!(target: LOG_TARGET, "cannot fund the fee pot: {e:?}");
			}
		}
	}

	/// Weight of `n` requests that opened `opened` batches: filling cost plus
	/// the measured extra of each opening.
	fn request_weight(n: u32, opened: u32) -> Weight {
		let open =
			T::WeightInfo::request_batch(1).saturating_sub(T::WeightInfo::request_batch_filling(1));
		T::WeightInfo::request_batch_filling(n).saturating_add(open.saturating_mul(opened.into()))
	}

	/// Order one input for `group` on behalf of `client` at the group's
	/// current price, from code that is not an extrinsic (the contracts
	/// precompile): all of it or nothing (its own storage layer), as a call
	/// would be. Returns the request's id and the weight it used (within
	/// [`Self::max_order_weight`]).
	pub fn order(
		client: &T::AccountId,
		group: GroupId,
		input_hash: Digest,
	) -> Result<(RequestId, Weight), DispatchError> {
		let terms = T::Registry::group_terms(group).ok_or(Error::<T>::UnknownGroup)?;
		frame_support::storage::with_storage_layer(|| {
			let id = NextRequestId::<T>::get();
			let opened =
				Self::do_request(client, group, core::slice::from_ref(&input_hash), terms.price)?;
			Ok((id, Self::request_weight(1, opened)))
		})
	}

	/// The most weight [`Self::order`] uses: a request that opens a batch.
	pub fn max_order_weight() -> Weight {
		T::WeightInfo::request_batch(1)
	}

	/// Order `hashes` for `group` on behalf of `client`; returns how many
	/// batches it opened.
	pub(crate) fn do_request(
		client: &T::AccountId,
		group: GroupId,
		hashes: &[Digest],
		max_fee: BalanceOf<T>,
	) -> Result<u32, DispatchError> {
		let terms = T::Registry::group_terms(group).ok_or(Error::<T>::UnknownGroup)?;
		ensure!(terms.active, Error::<T>::GroupInactive);
		ensure!(max_fee >= terms.price, Error::<T>::FeeBelowPrice);
		let now = frame_system::Pallet::<T>::block_number();
		let mut next_request = NextRequestId::<T>::get();
		let mut filling = FillingBatch::<T>::get(group)
			.filter(|(block, _)| *block == now)
			.and_then(|(_, id)| Some((id, Batches::<T>::get(id)?, RequestsDigests::<T>::get(id)?)));

		let mut opened = 0u32;
		// The fees are summed and held once, as settlement moves them once
		// per client: a hold per request read and wrote the client's holds
		// and account and added a `Held` event to the block, each time.
		let mut due = BalanceOf::<T>::zero();
		for input_hash in hashes {
			let (batch_id, mut batch, mut digest) = match filling.take() {
				Some((id, b, d)) if b.len < b.capacity => (id, b, d),
				full => {
					if let Some((id, full, digest)) = full {
						Batches::<T>::insert(id, full);
						RequestsDigests::<T>::insert(id, digest);
					}
					opened.saturating_inc();
					let (id, batch) = Self::open_batch(group, &terms, now)?;
					(id, batch, NO_REQUESTS)
				}
			};
			due = due.checked_add(&batch.price).ok_or(Error::<T>::Overflow)?;
			let index = batch.len;
			let entry =
				RequestEntry { id: next_request, client: client.clone(), input_hash: *input_hash };
			BatchRequests::<T>::try_append(batch_id, entry).map_err(|_| Error::<T>::Overflow)?;
			Requests::<T>::insert(next_request, (batch_id, index));
			batch.len = batch.len.checked_add(1).ok_or(Error::<T>::Overflow)?;
			digest = extend_requests_digest(&digest, input_hash);
			batch.undecided = batch.undecided.checked_add(1).ok_or(Error::<T>::Overflow)?;
			Self::deposit_event(Event::Requested {
				request: next_request,
				client: client.clone(),
				group,
				batch: batch_id,
				index,
				input_hash: *input_hash,
				fee: batch.price,
			});
			next_request = next_request.checked_add(1).ok_or(Error::<T>::Overflow)?;
			filling = Some((batch_id, batch, digest));
		}
		if let Some((id, batch, digest)) = filling {
			Batches::<T>::insert(id, batch);
			RequestsDigests::<T>::insert(id, digest);
		}
		if !due.is_zero() {
			T::Currency::hold(&HoldReason::Fee.into(), client, due)
				.map_err(|_| Error::<T>::CannotPayFee)?;
		}
		NextRequestId::<T>::put(next_request);
		Ok(opened)
	}

	/// Create the group's batch for this block, recording its members and
	/// their serving versions now.
	fn open_batch(
		group: GroupId,
		terms: &GroupTerms<BalanceOf<T>>,
		now: BlockNumberFor<T>,
	) -> Result<(BatchId, BatchOf<T>), DispatchError> {
		let members: BoundedVec<BatchMember<T::AccountId>, T::MaxMembers> =
			T::Registry::serving_members(group, now)
				.into_iter()
				.map(|m| BatchMember {
					model: m.model,
					owner: m.owner,
					version: m.version,
					digest: m.digest,
				})
				.collect::<Vec<_>>()
				.try_into()
				.map_err(|_| Error::<T>::Overflow)?;
		ensure!(members.len() as u32 >= terms.quorum, Error::<T>::GroupInactive);
		let id = NextBatchId::<T>::get();
		NextBatchId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		let deadline = now.saturating_add(T::VoteTimeout::get());
		let batch = BatchInfo {
			group,
			created: now,
			deadline,
			commit_until: now.saturating_add(T::CommitWindow::get()),
			committed: 0,
			policy: terms.policy,
			quorum: terms.quorum,
			classes: terms.classes,
			price: terms.price,
			capacity: terms.max_batch.min(T::MaxBatchSize::get()).max(1),
			len: 0,
			undecided: 0,
			closed: false,
			members,
		};
		FillingBatch::<T>::insert(group, (now, id));
		OpenBatches::<T>::insert(group, id, batch.deadline);
		Self::deposit_event(Event::BatchOpened {
			batch: id,
			group,
			members: batch
				.members
				.iter()
				.map(|m| (m.model, m.version))
				.collect::<Vec<_>>()
				.try_into()
				.map_err(|_| Error::<T>::Overflow)?,
			deadline,
		});
		Ok((id, batch))
	}

	/// The batch, and the position and record of the member whose model
	/// `worker` is authorized for now, if the batch still takes votes and the
	/// member is not suspended.
	fn voting_member(
		worker: &T::AccountId,
		batch_id: BatchId,
		now: BlockNumberFor<T>,
	) -> Result<VotingMember<T>, DispatchError> {
		let batch = Batches::<T>::get(batch_id).ok_or(Error::<T>::UnknownBatch)?;
		ensure!(now > batch.created, Error::<T>::BatchStillFilling);
		ensure!(now < batch.deadline && !batch.closed, Error::<T>::BatchClosed);
		let model = T::Registry::model_of_worker(worker).ok_or(Error::<T>::NotMember)?;
		let position =
			batch.members.iter().position(|m| m.model == model).ok_or(Error::<T>::NotMember)?;
		let member = batch.members.get(position).ok_or(Error::<T>::NotMember)?.clone();
		ensure!(!T::Registry::is_suspended(batch.group, model), Error::<T>::MemberSuspended);
		Ok((batch, position as u32, member))
	}

	pub(crate) fn do_commit(
		worker: &T::AccountId,
		batch_id: BatchId,
		requests: Digest,
		commitment: Digest,
	) -> DispatchResultWithPostInfo {
		let now = frame_system::Pallet::<T>::block_number();
		let (mut batch, position, member) = Self::voting_member(worker, batch_id, now)?;
		ensure!(now <= batch.commit_until, Error::<T>::CommitWindowClosed);
		// Before the equivocation check: a commitment for other requests is
		// no second vote on these.
		ensure!(RequestsDigests::<T>::get(batch_id) == Some(requests), Error::<T>::OtherRequests);

		if let Some(mut earlier) = Commitments::<T>::get(batch_id, position) {
			ensure!(earlier.digest != commitment, Error::<T>::AlreadyCommitted);
			ensure!(!earlier.equivocated, Error::<T>::AlreadyEquivocated);
			earlier.equivocated = true;
			Commitments::<T>::insert(batch_id, position, earlier);
			let slashed = Self::slash_once_per_window(&member.owner, now);
			MemberRecords::<T>::mutate(batch.group, member.model, |r| {
				r.equivocated = r.equivocated.saturating_add(1)
			});
			log::warn!(
				target: LOG_TARGET,
				"model {} equivocated on batch {batch_id}; owner slashed {slashed:?}",
				member.model
			);
			Self::deposit_event(Event::Equivocated {
				batch: batch_id,
				model: member.model,
				owner: member.owner,
				slashed,
			});
			// The call succeeds so that the slash stands; the sender pays.
			return Ok(Pays::Yes.into());
		}

		Commitments::<T>::insert(
			batch_id,
			position,
			Commitment { digest: commitment, at: now, equivocated: false },
		);
		batch.committed = batch.committed.saturating_add(1);
		Batches::<T>::insert(batch_id, batch);
		Self::deposit_event(Event::Committed { batch: batch_id, model: member.model });
		Ok(Pays::No.into())
	}

	/// Slash `owner` for equivocation unless it was slashed already in the
	/// offence window of block `now`; returns the amount slashed.
	fn slash_once_per_window(owner: &T::AccountId, now: BlockNumberFor<T>) -> BalanceOf<T> {
		// `OffenceWindow` is non-zero (checked by `integrity_test`).
		let window = now.checked_div(&T::OffenceWindow::get()).unwrap_or_else(Zero::zero);
		if LastSlashWindow::<T>::get(owner) == Some(window) {
			return Zero::zero();
		}
		LastSlashWindow::<T>::insert(owner, window);
		T::Registry::slash_owner(owner, T::EquivocationSlash::get())
	}

	pub(crate) fn do_reveal(
		worker: &T::AccountId,
		batch_id: BatchId,
		version: VersionNumber,
		outputs: Vec<Output>,
		salt: Digest,
	) -> DispatchResultWithPostInfo {
		let now = frame_system::Pallet::<T>::block_number();
		let (mut batch, position, member) = Self::voting_member(worker, batch_id, now)?;
		let commitment =
			Commitments::<T>::get(batch_id, position).ok_or(Error::<T>::NoCommitment)?;
		ensure!(
			batch.committed as usize >= batch.members.len() || now > batch.commit_until,
			Error::<T>::CommitPhaseOpen
		);
		ensure!(!Votes::<T>::contains_key(batch_id, position), Error::<T>::AlreadyRevealed);
		ensure!(member.version == version, Error::<T>::WrongVersion);
		ensure!(outputs.len() == batch.len as usize, Error::<T>::WrongLength);
		for output in &outputs {
			batch.policy.check(output, batch.classes).map_err(|_| Error::<T>::MalformedOutput)?;
		}
		ensure!(
			certificate::commitment(batch_id, member.model, version, &outputs, &salt)
				== commitment.digest,
			Error::<T>::RevealMismatch
		);
		let outputs: BoundedVec<Output, T::MaxBatchSize> =
			outputs.try_into().map_err(|_| Error::<T>::WrongLength)?;

		let late = batch.undecided == 0;
		Votes::<T>::insert(batch_id, position, Vote { outputs, at: now });
		Revealers::<T>::insert(
			batch_id,
			position,
			Revealer { key: worker.clone(), convicted: false },
		);
		Self::deposit_event(Event::Revealed { batch: batch_id, model: member.model, late });
		if !late {
			Self::decide_batch(batch_id, &mut batch, now, false)?;
			Batches::<T>::insert(batch_id, batch);
		}
		Ok(Pays::No.into())
	}

	pub(crate) fn do_report_lie(
		reporter: T::AccountId,
		request: RequestId,
		answer: Answer,
		signature: &T::AnswerSignature,
	) -> DispatchResultWithPostInfo {
		let (batch_id, index) = Requests::<T>::get(request).ok_or(Error::<T>::UnknownRequest)?;
		let batch = Batches::<T>::get(batch_id).ok_or(Error::<T>::UnknownBatch)?;
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		ensure!(
			genesis.as_ref() == answer.genesis_hash.as_slice(),
			Error::<T>::AnswerForOtherChain
		);
		let entry = BatchRequests::<T>::get(batch_id)
			.into_iter()
			.nth(index as usize)
			.ok_or(Error::<T>::UnknownRequest)?;
		ensure!(
			answer.group == batch.group && answer.input_hash == entry.input_hash,
			Error::<T>::AnswerForOtherRequest
		);
		let position = batch
			.members
			.iter()
			.position(|m| m.model == answer.model)
			.ok_or(Error::<T>::AnswerNotByMember)?;
		let member = batch.members.get(position).ok_or(Error::<T>::AnswerNotByMember)?;
		ensure!(member.version == answer.version, Error::<T>::AnswerForOtherVersion);
		let position = position as u32;
		let mut revealer =
			Revealers::<T>::get(batch_id, position).ok_or(Error::<T>::NotRevealed)?;
		ensure!(!revealer.convicted, Error::<T>::AlreadyConvicted);
		ensure!(
			signature.verify(answer.payload().as_slice(), &revealer.key),
			Error::<T>::BadAnswerSignature
		);
		let vote = Votes::<T>::get(batch_id, position).ok_or(Error::<T>::NotRevealed)?;
		let voted = vote.outputs.get(index as usize).ok_or(Error::<T>::UnknownRequest)?;
		ensure!(*voted != Output::Unavailable && *voted != answer.output, Error::<T>::NotALie);

		revealer.convicted = true;
		Revealers::<T>::insert(batch_id, position, revealer);
		MemberRecords::<T>::mutate(batch.group, member.model, |r| r.lied.saturating_inc());
		let now = frame_system::Pallet::<T>::block_number();
		let slashed = Self::slash_once_per_window(&member.owner, now);
		log::warn!(
			target: LOG_TARGET,
			"model {} lied on request {request}: signed {:?}, voted {voted:?}; owner slashed {slashed:?}",
			member.model,
			answer.output,
		);
		Self::deposit_event(Event::Lied {
			request,
			batch: batch_id,
			model: member.model,
			owner: member.owner.clone(),
			answered: answer.output,
			voted: voted.clone(),
			reporter,
			slashed,
		});
		Ok(Pays::No.into())
	}

	/// Decide every undecided request of a batch that the stored votes decide
	/// (all of them as expired when `expire`), store the decisions, settle
	/// their fees and emit them.
	pub(crate) fn decide_batch(
		batch_id: BatchId,
		batch: &mut BatchOf<T>,
		now: BlockNumberFor<T>,
		expire: bool,
	) -> DispatchResult {
		// The request list is read once per batch, when its first decision is made.
		let mut decisions = match Decisions::<T>::get(batch_id) {
			Some(d) => d,
			None => pending_decisions(&BatchRequests::<T>::get(batch_id), now)
				.try_into()
				.map_err(|_| Error::<T>::Overflow)?,
		};
		let votes = Self::batch_votes(batch_id, batch.members.len() as u32);
		let mut newly: Vec<Decision<BlockNumberFor<T>>> = Vec::new();
		let mut column: Vec<Option<&Output>> = Vec::with_capacity(votes.len());
		for decision in decisions.iter_mut().filter(|d| d.outcome.is_pending()) {
			let i = decision.index as usize;
			column.clear();
			column.extend(votes.iter().map(|v| v.as_ref().and_then(|v| v.outputs.get(i))));
			let voted = mask_of(column.iter().map(|c| c.is_some()));
			let outcome = match dropbear_primitives::decide(&column, batch.quorum) {
				dropbear_primitives::Verdict::Certified { output, agreed } => {
					decision.agreed = agreed.iter().fold(0u32, |m, p| m | bit(*p));
					match output {
						Output::Unavailable => Outcome::InputUnavailable,
						output => Outcome::Certified(output),
					}
				}
				dropbear_primitives::Verdict::NoAgreement => Outcome::NoAgreement,
				dropbear_primitives::Verdict::Pending if expire => Outcome::Expired,
				dropbear_primitives::Verdict::Pending => continue,
			};
			decision.outcome = outcome;
			decision.voted = voted;
			decision.decided_at = now;
			newly.push(decision.clone());
		}
		if newly.is_empty() {
			return Ok(());
		}
		batch.undecided = batch.undecided.saturating_sub(newly.len() as u32);
		Decisions::<T>::insert(batch_id, decisions);
		Self::deposit_event(Event::Decided {
			batch: batch_id,
			group: batch.group,
			decisions: newly.try_into().map_err(|_| Error::<T>::Overflow)?,
		});
		Ok(())
	}

	/// Every member's vote on a batch, in member order.
	pub(crate) fn batch_votes(batch_id: BatchId, members: u32) -> Vec<Option<VoteOf<T>>> {
		(0..members).map(|p| Votes::<T>::get(batch_id, p)).collect()
	}

	/// Close the batches whose deadline has come, oldest first, at most
	/// `MaxClosesPerBlock` of them.
	pub(crate) fn close_due(now: BlockNumberFor<T>) -> Weight {
		let mut weight = T::DbWeight::get().reads(1);
		let mut next = NextToClose::<T>::get();
		let mut closed = 0u32;
		while closed < T::MaxClosesPerBlock::get() {
			let Some(mut batch) = Batches::<T>::get(next) else { break };
			if batch.deadline > now {
				break;
			}
			let cost = T::WeightInfo::close_batch(batch.len);
			if closed > 0 && !T::MaxCloseWeight::get().all_gte(weight.saturating_add(cost)) {
				break;
			}
			weight.saturating_accrue(cost);
			let expired = batch.undecided;
			let group = batch.group;
			let result = frame_support::storage::with_storage_layer(|| {
				Self::close_batch(next, &mut batch, now)
			});
			if let Err(e) = result {
				// Cannot happen (the holds being released exist); if it does,
				// nothing of the failed close is kept, the batch still closes so
				// that the queue moves on, and `do_try_state` reports it.
				log::error!(target: LOG_TARGET, "closing batch {next} failed: {e:?}");
				batch = Batches::<T>::get(next).unwrap_or(batch);
			}
			batch.closed = true;
			Batches::<T>::insert(next, batch);
			OpenBatches::<T>::remove(group, next);
			RequestsDigests::<T>::remove(next);
			Self::deposit_event(Event::BatchClosed { batch: next, expired });
			next = next.saturating_add(1);
			closed = closed.saturating_add(1);
		}
		NextToClose::<T>::put(next);
		weight
	}

	/// Expire what is undecided, settle every request's fee and count every
	/// member's record.
	fn close_batch(
		batch_id: BatchId,
		batch: &mut BatchOf<T>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		if batch.undecided > 0 {
			Self::decide_batch(batch_id, batch, now, true)?;
		}
		let decisions = Decisions::<T>::get(batch_id).unwrap_or_default();
		Self::settle(batch_id, batch, &BatchRequests::<T>::get(batch_id), &decisions)?;
		let votes = Self::batch_votes(batch_id, batch.members.len() as u32);
		for (member, vote) in batch.members.iter().zip(votes.iter()) {
			let mut tally = MemberRecord { batches: 1, ..Default::default() };
			for (i, decision) in decisions.iter().enumerate() {
				let given = vote.as_ref().and_then(|v| v.outputs.get(i));
				match (&decision.outcome, given) {
					(_, None) => tally.missed.saturating_inc(),
					(_, Some(Output::Unavailable)) => tally.unavailable.saturating_inc(),
					(Outcome::Certified(o), Some(g)) if o == g => tally.agreed.saturating_inc(),
					(Outcome::Certified(_) | Outcome::InputUnavailable, Some(_)) => {
						tally.dissented.saturating_inc()
					}
					(_, Some(_)) => tally.unresolved.saturating_inc(),
				}
			}
			// A batch nobody voted on has no decisions stored: all missed.
			if decisions.is_empty() {
				tally.missed = u64::from(batch.len);
			}
			MemberRecords::<T>::mutate(batch.group, member.model, |r| {
				r.batches.saturating_accrue(tally.batches);
				r.agreed.saturating_accrue(tally.agreed);
				r.dissented.saturating_accrue(tally.dissented);
				r.missed.saturating_accrue(tally.missed);
				r.unavailable.saturating_accrue(tally.unavailable);
				r.unresolved.saturating_accrue(tally.unresolved);
			});
		}
		Ok(())
	}

	/// Remove batches whose retention has passed, oldest first, while the
	/// remaining weight covers one more.
	pub(crate) fn prune(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let mut used = T::DbWeight::get().reads(1);
		let mut next = NextToPrune::<T>::get();
		let close_cursor = NextToClose::<T>::get();
		loop {
			if next >= close_cursor {
				break;
			}
			let Some(batch) = Batches::<T>::get(next) else {
				// A hole (cannot happen: batches are pruned in order); skip it.
				next = next.saturating_add(1);
				continue;
			};
			if !batch.closed || now < batch.deadline.saturating_add(T::CertificateRetention::get())
			{
				break;
			}
			let cost = T::WeightInfo::prune_batch(batch.len);
			if !remaining.all_gte(used.saturating_add(cost)) {
				break;
			}
			used.saturating_accrue(cost);
			for request in BatchRequests::<T>::take(next) {
				Requests::<T>::remove(request.id);
			}
			Decisions::<T>::remove(next);
			let _ = Votes::<T>::clear_prefix(next, batch.members.len() as u32, None);
			let _ = Revealers::<T>::clear_prefix(next, batch.members.len() as u32, None);
			let _ = Commitments::<T>::clear_prefix(next, batch.members.len() as u32, None);
			Batches::<T>::remove(next);
			next = next.saturating_add(1);
		}
		NextToPrune::<T>::put(next);
		used
	}

	/// The certificate of a request, while it is in storage.
	pub fn certificate(request: RequestId) -> Option<CertificateOf<T>> {
		Self::certificate_with_batch(request).map(|(certificate, _)| certificate)
	}

	/// The certificate of a request with its batch (whether the batch has
	/// closed, so fees moved; how many requests it holds). What a contract
	/// reads through the inference precompile; its weight is
	/// `WeightInfo::read_certificate(batch.len)`.
	pub fn certificate_with_batch(request: RequestId) -> Option<(CertificateOf<T>, BatchOf<T>)> {
		let (batch_id, index) = Requests::<T>::get(request)?;
		let batch = Batches::<T>::get(batch_id)?;
		let requests = BatchRequests::<T>::get(batch_id);
		let decisions = Decisions::<T>::get(batch_id);
		let certificate = certificate::assemble(
			request,
			batch_id,
			index,
			&batch,
			&requests,
			decisions.as_ref().map(|d| &d[..]),
		)?;
		Some((certificate, batch))
	}

	/// A group's terms and the models of the members serving it now. What a
	/// contract reads through the inference precompile; its weight is
	/// `WeightInfo::read_group_terms(members)`.
	pub fn terms_and_members(group: GroupId) -> Option<(GroupTerms<BalanceOf<T>>, Vec<ModelId>)> {
		let terms = T::Registry::group_terms(group)?;
		let now = frame_system::Pallet::<T>::block_number();
		let members =
			T::Registry::serving_members(group, now).into_iter().map(|m| m.model).collect();
		Some((terms, members))
	}

	/// The certificates of requests `first`, `first + 1`, ... (at most `count`
	/// ids, and at most [`MAX_CERTIFICATES_PER_CALL`]); ids without one (not yet
	/// made, or pruned) are skipped.
	pub fn certificates(first: RequestId, count: u32) -> Vec<CertificateOf<T>> {
		let count = count.min(MAX_CERTIFICATES_PER_CALL);
		// Consecutive requests mostly share a batch: read each batch once.
		let mut current: Option<(
			BatchId,
			Option<(BatchOf<T>, RequestsOf<T>, Option<DecisionsOf<T>>)>,
		)> = None;
		let mut out = Vec::new();
		for request in first..first.saturating_add(u64::from(count)) {
			let Some((batch_id, index)) = Requests::<T>::get(request) else { continue };
			if current.as_ref().map(|(id, _)| *id) != Some(batch_id) {
				let data = Batches::<T>::get(batch_id).map(|batch| {
					(batch, BatchRequests::<T>::get(batch_id), Decisions::<T>::get(batch_id))
				});
				current = Some((batch_id, data));
			}
			if let Some((_, Some((batch, requests, decisions)))) = &current {
				out.extend(certificate::assemble(
					request,
					batch_id,
					index,
					batch,
					requests,
					decisions.as_ref().map(|d| &d[..]),
				));
			}
		}
		out
	}

	/// A batch with its requests, votes and decisions, while it is in storage.
	pub fn batch_view(batch_id: BatchId) -> Option<BatchViewOf<T>> {
		let batch = Batches::<T>::get(batch_id)?;
		let requests = BatchRequests::<T>::get(batch_id).into_inner();
		let decisions = Decisions::<T>::get(batch_id)
			.map(|d| d.into_inner())
			.unwrap_or_else(|| pending_decisions(&requests, batch.created));
		let votes = Self::batch_votes(batch_id, batch.members.len() as u32)
			.into_iter()
			.map(|v| v.map(|v| v.outputs.into_inner()))
			.collect();
		let committed = (0..batch.members.len() as u32)
			.map(|p| Commitments::<T>::contains_key(batch_id, p))
			.collect();
		Some(BatchView {
			id: batch_id,
			group: batch.group,
			created: batch.created,
			deadline: batch.deadline,
			commit_until: batch.commit_until,
			committed,
			policy: batch.policy,
			quorum: batch.quorum,
			price: batch.price,
			closed: batch.closed,
			members: batch.members.into_inner(),
			requests,
			votes,
			decisions,
		})
	}

	/// Batches of a group that still take votes, oldest first. A batch past
	/// its deadline that has not closed yet (closing is bounded per block and
	/// can lag) takes no more votes and is left out.
	pub fn pending_batches(group: GroupId) -> Vec<BatchId> {
		let now = frame_system::Pallet::<T>::block_number();
		let mut ids: Vec<BatchId> = OpenBatches::<T>::iter_prefix(group)
			.filter(|(_, deadline)| *deadline > now)
			.map(|(id, _)| id)
			.collect();
		ids.sort_unstable();
		ids
	}

	/// A member's record in a group.
	pub fn member_record(group: GroupId, model: ModelId) -> MemberRecord {
		MemberRecords::<T>::get(group, model)
	}

	/// Invariants: every open batch is consistent with its requests and
	/// decisions, clients' fee holds equal the fees of their requests in open batches, and
	/// the pot holds only its existential deposit.
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use fungible::InspectHold;
		let mut owed: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, batch) in Batches::<T>::iter() {
			let requests = BatchRequests::<T>::get(id);
			ensure!(requests.len() as u32 == batch.len, "batch length differs from its requests");
			let digest = certificate::requests_digest(requests.iter().map(|r| &r.input_hash));
			ensure!(
				RequestsDigests::<T>::get(id) == (!batch.closed).then_some(digest),
				"an open batch's requests digest is not that of its requests (or a closed one's is kept)"
			);
			ensure!(batch.len <= batch.capacity, "batch above its capacity");
			let decisions = Decisions::<T>::get(id);
			let undecided = match &decisions {
				Some(d) => {
					ensure!(d.len() == requests.len(), "decisions differ in length from requests");
					d.iter().filter(|d| d.outcome.is_pending()).count() as u32
				}
				None => batch.len,
			};
			ensure!(undecided == batch.undecided, "undecided count is wrong");
			ensure!(!batch.closed || undecided == 0, "a closed batch has undecided requests");
			ensure!(
				OpenBatches::<T>::get(batch.group, id) == (!batch.closed).then_some(batch.deadline),
				"the open-batch index disagrees with the batch (closed, or its deadline)"
			);
			let members = batch.members.len() as u32;
			ensure!(
				batch.commit_until < batch.deadline,
				"the commit window ends after the deadline"
			);
			ensure!(
				Commitments::<T>::iter_key_prefix(id).all(|p| p < members),
				"a commitment of no member"
			);
			let commitments = Commitments::<T>::iter_prefix(id).count() as u32;
			ensure!(commitments == batch.committed, "committed count differs from commitments");
			ensure!(batch.committed <= members, "more commitments than members");
			for (position, vote) in Votes::<T>::iter_prefix(id) {
				ensure!(position < members, "a vote of no member");
				let commitment = Commitments::<T>::get(id, position)
					.ok_or("a revealed vote without commitment")?;
				ensure!(commitment.at <= vote.at, "a vote revealed before its commitment");
				ensure!(vote.outputs.len() as u32 == batch.len, "a vote of the wrong length");
			}
			ensure!(
				Revealers::<T>::iter_key_prefix(id).all(|p| Votes::<T>::contains_key(id, p)),
				"a revealer of no vote"
			);
			for (i, request) in requests.iter().enumerate() {
				ensure!(
					Requests::<T>::get(request.id) == Some((id, i as u32)),
					"request index is wrong"
				);
				// Every fee of an open batch stays held until the batch closes.
				if !batch.closed {
					let e = owed.entry(request.client.clone()).or_default();
					*e = e.saturating_add(batch.price);
				}
			}
		}
		for (client, amount) in owed {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Fee.into(), &client) == amount,
				"a client's fee hold differs from its requests in open batches"
			);
		}
		ensure!(
			T::Currency::balance(&Self::pot()) == T::Currency::minimum_balance(),
			"the pot keeps more than its existential deposit"
		);
		Ok(())
	}
}

/// Undecided entries for every request of a batch, in batch order.
fn pending_decisions<AccountId, BlockNumber: Copy>(
	requests: &[RequestEntry<AccountId>],
	at: BlockNumber,
) -> Vec<Decision<BlockNumber>> {
	requests
		.iter()
		.enumerate()
		.map(|(i, r)| Decision {
			index: i as u32,
			request: r.id,
			outcome: Outcome::Pending,
			agreed: 0,
			voted: 0,
			decided_at: at,
		})
		.collect()
}

use dropbear_primitives::bit;

/// A mask from one flag per member position.
pub(crate) fn mask_of(flags: impl Iterator<Item = bool>) -> u32 {
	flags.enumerate().filter(|(_, f)| *f).fold(0u32, |m, (p, _)| m | bit(p as u32))
}
