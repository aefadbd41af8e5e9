//! # Models pallet
//!
//! The registry of Dropbear's inference marketplace: who may sell inference,
//! what they bond, which models they run in which versions, which keys vote for
//! those models, and which models form a group that answers requests together.
//!
//! ## Terms
//!
//! - **Owner**: an account admitted by root (the marketplace is permissioned)
//!   that bonds stake and registers models.
//! - **Bond**: stake an owner holds under [`HoldReason::Bond`]. Unbonding waits
//!   [`Config::UnbondingPeriod`] blocks. The part that backs group memberships
//!   (the sum of the groups' minimum member bonds) cannot be unbonded.
//! - **Model**: name, [`Task`], [`InputSpec`] and a history of **versions**.
//!   A version commits to the weights by their blake2-256 digest; the weights
//!   never go on chain (they stay with the owner's worker).
//! - **Worker key**: the account that signs votes for one model.
//! - **Group**: models of different owners with the same task and input spec, an
//!   [`AgreementPolicy`], a quorum `q`, a price per request, a maximum batch
//!   size and a minimum member bond.
//!
//! ## How versions and requests are ordered
//!
//! `publish_version` does not change what serves requests now: the version
//! becomes active at `now + ActivationDelay`, in `on_initialize` of that block,
//! before any request of the block. A request is bound to the versions active
//! in the block that ordered it: [`ModelRegistry::serving_members`] answers
//! "which versions serve block `b`" for the current block and later ones, and
//! `pallet-inference` records that answer in each batch when the batch is
//! created (the registry keeps no history of memberships, so it cannot answer
//! for past blocks). Workers know ahead of time which version to load, and a
//! certificate names exact versions and their weights digests. Publishing
//! again before activation replaces the pending version with a new one: a
//! new number, so that a version number always names one file (the replaced
//! version keeps its record, and never serves).
//!
//! ## Heterogeneity
//!
//! A certificate promises that `q` different owners' models agreed. Different
//! owners are enforced by membership (one model per owner per group);
//! different models by weights: a model whose current or pending weights
//! digest equals another member's cannot join, and a version whose digest
//! equals a fellow member's current or pending one cannot be published.
//!
//! ## Suspension and removal
//!
//! A member whose owner's bonded stake falls below the group's minimum member
//! bond (a slash can do that) is *suspended* from the group
//! ([`ModelRegistry::is_suspended`]): `pallet-inference` counts none of its
//! votes and pays it nothing until the owner bonds again. Root can remove a
//! member from a group ([`Pallet::remove_member`]) and an owner from the
//! marketplace ([`Pallet::remove_owner`]): the owner's models are retired and
//! its whole bond, unbonding chunks included, is released to it at once.
//! Removal is not a punishment (slashes are applied when the offence is
//! reported, never later), so nothing is held back.
//!
//! ## Why a strict majority
//!
//! A group accepts at most `2q - 1` members, so `q` is always more than half of
//! them: two different answers to one request can never both gather `q` votes.
//! A group with fewer than `q` members is inactive: it takes no requests until
//! enough members are back, and events say when that changes.
//!
//! ## For other pallets
//!
//! [`ModelRegistry`] is the read-and-slash interface `pallet-inference` uses.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
pub(crate) mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

/// The registry as other pallets use it: the trait is defined below both
/// pallets, in `dropbear-primitives`, and implemented here.
pub use dropbear_primitives::registry::{GroupTerms, ModelRegistry, ServingMember};
pub use dropbear_primitives::{
	AgreementPolicy, DType, Digest, GroupId, InputSpec, ModelId, Task, VersionNumber, WeightsFormat,
};
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{self, Inspect, InspectHold, MutateHold},
		tokens::Precision,
		Imbalance, OnUnbalanced,
	},
};
use frame_system::pallet_prelude::*;
use sp_runtime::{
	traits::{CheckedAdd, CheckedSub, Saturating, Zero},
	Perbill,
};

const LOG_TARGET: &str = "runtime::models";

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// Negative imbalance from a slash, handed to [`Config::Slashed`].
pub type CreditOf<T> =
	fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;
/// An owner's bond record.
pub type OwnerOf<T> = OwnerInfo<BalanceOf<T>, BlockNumberFor<T>, <T as Config>::MaxUnbondingChunks>;
/// A model record.
pub type ModelOf<T> =
	ModelInfo<<T as frame_system::Config>::AccountId, BlockNumberFor<T>, <T as Config>::MaxNameLen>;
/// A group record.
pub type GroupOf<T> =
	GroupInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, <T as Config>::MaxMembers>;

#[frame_support::pallet]
// FRAME's storage, pallet and error macros expand to `expect()` in this
// module; the hand-written code here uses none (and keeps the other lints).
#[allow(clippy::expect_used)]
pub mod pallet {
	use super::*;

	/// Storage layout version; bump with a migration in `migrations/`.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// An owner's bond, including stake that is unbonding.
		Bond,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency bonds are held in.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// Who admits owners (root on Dropbear chain).
		type AdmitOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Where slashed stake goes (burned with `()`).
		type Slashed: OnUnbalanced<CreditOf<Self>>;

		/// Blocks between `unbond` and the stake's release.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks between `publish_version` and the version serving requests.
		#[pallet::constant]
		type ActivationDelay: Get<BlockNumberFor<Self>>;

		/// Longest model name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;

		/// Most members of one group.
		#[pallet::constant]
		type MaxMembers: Get<u32>;

		/// Most groups one model may be in.
		#[pallet::constant]
		type MaxGroupsPerModel: Get<u32>;

		/// Largest batch a group may ask for.
		#[pallet::constant]
		type MaxBatchSize: Get<u32>;

		/// Most unbonding chunks an owner may have at once.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Most version activations scheduled for one block.
		#[pallet::constant]
		type MaxActivationsPerBlock: Get<u32>;

		/// Most models one owner may register (retired ones included).
		#[pallet::constant]
		type MaxModelsPerOwner: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Admitted owners and their bonds.
	#[pallet::storage]
	pub type Owners<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, OwnerOf<T>>;

	/// The id the next registered model gets.
	#[pallet::storage]
	pub type NextModelId<T: Config> = StorageValue<_, ModelId, ValueQuery>;

	/// Registered models.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Twox64Concat, ModelId, ModelOf<T>>;

	/// Every version a model has committed to (a replaced pending version is
	/// overwritten: it never served a request).
	#[pallet::storage]
	pub type Versions<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ModelId,
		Twox64Concat,
		VersionNumber,
		VersionRecord<BlockNumberFor<T>>,
	>;

	/// Models whose pending version activates at a block.
	#[pallet::storage]
	pub type Activations<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<ModelId, T::MaxActivationsPerBlock>,
		ValueQuery,
	>;

	/// The models each owner registered, in registration order.
	#[pallet::storage]
	pub type OwnerModels<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ModelId, T::MaxModelsPerOwner>,
		ValueQuery,
	>;

	/// The model each worker key votes for.
	#[pallet::storage]
	pub type Workers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ModelId>;

	/// The groups each model is a member of.
	#[pallet::storage]
	pub type ModelGroups<T: Config> =
		StorageMap<_, Twox64Concat, ModelId, BoundedVec<GroupId, T::MaxGroupsPerModel>, ValueQuery>;

	/// The id the next group gets.
	/// Where each model's worker is reached over libp2p, set by its worker
	/// key; removed when the key is replaced or revoked.
	#[pallet::storage]
	pub type WorkerPeers<T: Config> = StorageMap<_, Twox64Concat, ModelId, WorkerPeer>;

	#[pallet::storage]
	pub type NextGroupId<T: Config> = StorageValue<_, GroupId, ValueQuery>;

	/// Model groups.
	#[pallet::storage]
	pub type Groups<T: Config> = StorageMap<_, Twox64Concat, GroupId, GroupOf<T>>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Owners admitted at genesis, with the stake they bond.
		pub owners: Vec<(T::AccountId, BalanceOf<T>)>,
		/// Models: owner, name, task, input spec, digest of version 1, worker.
		pub models: Vec<(T::AccountId, Vec<u8>, Task, InputSpec, Digest, Option<T::AccountId>)>,
		/// Groups: task, input spec, policy, quorum, price, max batch, minimum
		/// member bond, member models (by index in `models`).
		pub groups: Vec<(
			Task,
			InputSpec,
			AgreementPolicy,
			u32,
			BalanceOf<T>,
			u32,
			BalanceOf<T>,
			Vec<ModelId>,
		)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		// A genesis that the calls would refuse must not produce a chain.
		#[allow(clippy::expect_used)]
		fn build(&self) {
			for (owner, bond) in &self.owners {
				Pallet::<T>::do_admit(owner.clone()).expect("genesis owner admitted once");
				if !bond.is_zero() {
					Pallet::<T>::do_bond(owner, *bond).expect("genesis owner can bond its stake");
				}
			}
			for (owner, name, task, input, digest, worker) in &self.models {
				let name: BoundedVec<u8, T::MaxNameLen> =
					name.clone().try_into().expect("genesis model name fits MaxNameLen");
				let model = Pallet::<T>::do_register(
					owner,
					name,
					*task,
					input.clone(),
					*digest,
					WeightsFormat::TorchScript,
				)
				.expect("genesis model is valid");
				if let Some(worker) = worker {
					Pallet::<T>::do_authorize_worker(owner, model, worker.clone())
						.expect("genesis worker is free");
				}
			}
			for (task, input, policy, quorum, price, max_batch, min_bond, members) in &self.groups {
				let group = Pallet::<T>::do_create_group(
					None,
					*task,
					input.clone(),
					*policy,
					*quorum,
					*price,
					*max_batch,
					*min_bond,
				)
				.expect("genesis group is valid");
				for model in members {
					let owner = Models::<T>::get(model).expect("genesis member model exists").owner;
					Pallet::<T>::do_join(&owner, group, *model).expect("genesis member can join");
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Root admitted an owner.
		OwnerAdmitted { owner: T::AccountId },
		/// An owner bonded more stake.
		Bonded { owner: T::AccountId, amount: BalanceOf<T> },
		/// An owner started unbonding stake, released at block `until`.
		Unbonded { owner: T::AccountId, amount: BalanceOf<T>, until: BlockNumberFor<T> },
		/// Unbonded stake was released to the owner.
		Withdrawn { owner: T::AccountId, amount: BalanceOf<T> },
		/// An owner's bond was slashed.
		OwnerSlashed { owner: T::AccountId, amount: BalanceOf<T> },
		/// A model was registered; its first version serves at once.
		ModelRegistered {
			model: ModelId,
			owner: T::AccountId,
			version: VersionNumber,
			digest: Digest,
		},
		/// A new version was published; it serves from block `active_from`.
		VersionPublished {
			model: ModelId,
			version: VersionNumber,
			digest: Digest,
			active_from: BlockNumberFor<T>,
		},
		/// A pending version was replaced, before it became active, by a new
		/// version `version`; the replaced one will never serve.
		PendingVersionReplaced {
			model: ModelId,
			version: VersionNumber,
			digest: Digest,
			active_from: BlockNumberFor<T>,
		},
		/// A version became the one serving requests.
		VersionActivated { model: ModelId, version: VersionNumber },
		/// A model was retired and left all its groups.
		ModelRetired { model: ModelId },
		/// A worker key now votes for a model.
		WorkerAuthorized { model: ModelId, worker: T::AccountId },
		/// A worker key no longer votes for a model.
		WorkerRevoked { model: ModelId, worker: T::AccountId },
		/// A group was created (`creator` is `None` for root).
		GroupCreated { group: GroupId, creator: Option<T::AccountId> },
		/// A model joined a group.
		MemberJoined { group: GroupId, model: ModelId, owner: T::AccountId },
		/// A model left a group.
		MemberLeft { group: GroupId, model: ModelId, owner: T::AccountId },
		/// A group reached its quorum and takes requests.
		GroupActivated { group: GroupId },
		/// A group fell below its quorum and takes no requests until members return.
		GroupDeactivated { group: GroupId },
		/// Root removed a model from a group.
		MemberRemoved { group: GroupId, model: ModelId, owner: T::AccountId },
		/// Root removed an owner from the marketplace; its models were retired
		/// and `released` (its whole bond, unbonding stake included) went back
		/// to it.
		OwnerRemoved { owner: T::AccountId, released: BalanceOf<T> },
		/// A model's worker announced where it is reached over libp2p.
		WorkerPeerSet { model: ModelId, worker: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already an owner.
		AlreadyOwner,
		/// The account is not an admitted owner; root must admit it first.
		NotOwner,
		/// The amount is zero; give a positive amount.
		ZeroAmount,
		/// Not enough bonded stake for this: bond more first.
		InsufficientBond,
		/// This would unbond stake that backs group memberships; leave groups first.
		BondBacksMembership,
		/// Too many unbonding chunks; withdraw matured ones or wait.
		TooManyUnbondingChunks,
		/// No unbonded stake has matured yet.
		NothingToWithdraw,
		/// A model name must not be empty.
		EmptyName,
		/// The input spec has no dimensions, a zero dimension, or too many elements.
		InvalidInputSpec,
		/// A classification task needs at least two classes.
		InvalidTask,
		/// No model with this id.
		UnknownModel,
		/// Only the model's owner may do this.
		NotModelOwner,
		/// The model is retired.
		ModelRetired,
		/// Too many versions activate in that block; publish again next block.
		ActivationQueueFull,
		/// This worker key already votes for another model; use another key.
		WorkerInUse,
		/// The model has no authorized worker; authorize one first.
		NoWorker,
		/// The quorum must be at least 1 and no more than `MaxMembers`.
		InvalidQuorum,
		/// The batch size must be between 1 and `MaxBatchSize`.
		InvalidBatchSize,
		/// TopK needs 1 <= k < classes and k <= 16.
		InvalidPolicy,
		/// No group with this id.
		UnknownGroup,
		/// The model's task differs from the group's.
		TaskMismatch,
		/// The model's input spec differs from the group's.
		InputMismatch,
		/// The owner already has a model in this group: members must be different owners.
		OwnerAlreadyMember,
		/// The group has `2q - 1` members (or `MaxMembers`): its quorum would stop being a majority.
		GroupFull,
		/// The model is not a member of this group.
		NotMember,
		/// The model is in `MaxGroupsPerModel` groups already.
		TooManyGroups,
		/// Another member of the group serves (or will serve) weights with this
		/// digest: members must run different models. Use other weights.
		DuplicateWeights,
		/// The owner has registered `MaxModelsPerOwner` models.
		TooManyModels,
		/// An id counter is exhausted.
		Overflow,
		/// The signer is not the worker key of any model.
		NotWorker,
		/// A peer id must not be empty.
		EmptyPeerId,
		/// The peer id is longer than `MAX_PEER_ID_LEN` bytes.
		PeerIdTooLong,
		/// More than `MAX_PEER_ADDRS` addresses.
		TooManyPeerAddrs,
		/// An address is empty or longer than `MAX_PEER_ADDR_LEN` bytes.
		BadPeerAddr,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let due = Activations::<T>::take(now);
			let count = due.len() as u32;
			for model in due {
				Self::activate_pending(model, now);
			}
			T::WeightInfo::on_initialize_activations(count)
		}

		fn integrity_test() {
			assert!(T::MaxMembers::get() >= 1, "a group needs room for members");
			assert!(T::MaxBatchSize::get() >= 1, "batches need room for requests");
			assert!(
				!T::ActivationDelay::get().is_zero(),
				"versions must activate after publication"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Admit `owner` to the marketplace.
		///
		/// - Origin: [`Config::AdmitOrigin`] (root).
		/// - `owner`: the account to admit; it may then bond and register models.
		///
		/// Complexity: O(1).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::admit_owner())]
		pub fn admit_owner(origin: OriginFor<T>, owner: T::AccountId) -> DispatchResult {
			T::AdmitOrigin::ensure_origin(origin)?;
			Self::do_admit(owner)
		}

		/// Bond `amount` more stake.
		///
		/// - Origin: Signed by an admitted owner.
		/// - `amount`: held from the owner's free balance under [`HoldReason::Bond`].
		///
		/// Complexity: O(1).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond())]
		pub fn bond(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_bond(&owner, amount)
		}

		/// Start unbonding `amount`; it stays held for `UnbondingPeriod` blocks,
		/// then `withdraw_unbonded` releases it.
		///
		/// - Origin: Signed by an admitted owner.
		/// - `amount`: at most the bonded stake not backing group memberships.
		///
		/// Complexity: O(1).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let until =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			Owners::<T>::try_mutate(&owner, |info| -> DispatchResult {
				let info = info.as_mut().ok_or(Error::<T>::NotOwner)?;
				let left = info.bonded.checked_sub(&amount).ok_or(Error::<T>::InsufficientBond)?;
				ensure!(left >= info.backing, Error::<T>::BondBacksMembership);
				info.unbonding
					.try_push(UnbondingChunk { amount, until })
					.map_err(|_| Error::<T>::TooManyUnbondingChunks)?;
				info.bonded = left;
				Ok(())
			})?;
			Self::deposit_event(Event::Unbonded { owner, amount, until });
			Ok(())
		}

		/// Release every unbonding chunk that has matured.
		///
		/// - Origin: Signed by an owner.
		///
		/// Complexity: O(MaxUnbondingChunks).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let amount =
				Owners::<T>::try_mutate(&owner, |info| -> Result<BalanceOf<T>, DispatchError> {
					let info = info.as_mut().ok_or(Error::<T>::NotOwner)?;
					let mut matured = BalanceOf::<T>::zero();
					info.unbonding.retain(|chunk| {
						if chunk.until <= now {
							// Chunks sum to at most the held balance: no overflow.
							matured = matured.saturating_add(chunk.amount);
							false
						} else {
							true
						}
					});
					ensure!(!matured.is_zero(), Error::<T>::NothingToWithdraw);
					Ok(matured)
				})?;
			T::Currency::release(&HoldReason::Bond.into(), &owner, amount, Precision::BestEffort)?;
			Self::deposit_event(Event::Withdrawn { owner, amount });
			Ok(())
		}

		/// Register a model with its first version, which serves at once.
		///
		/// - Origin: Signed by an admitted owner.
		/// - `name`: non-empty, at most `MaxNameLen` bytes.
		/// - `task`: what it computes (a classification needs >= 2 classes).
		/// - `input`: the tensor it takes for one request.
		/// - `digest`: blake2-256 of the weights file; `format`: its format.
		///
		/// Complexity: O(1).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::register_model())]
		pub fn register_model(
			origin: OriginFor<T>,
			name: BoundedVec<u8, T::MaxNameLen>,
			task: Task,
			input: InputSpec,
			digest: Digest,
			format: WeightsFormat,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_register(&owner, name, task, input, digest, format).map(|_| ())
		}

		/// Publish a new version of a model's weights, serving from block
		/// `now + ActivationDelay`. A version published earlier and not yet active
		/// is replaced by this one, which gets a new number all the same.
		///
		/// - Origin: Signed by the model's owner.
		/// - `model`: a model that is not retired.
		/// - `digest`, `format`: the new weights' blake2-256 and format; the
		///   digest must differ from every fellow member's current and pending
		///   ones, in every group of the model.
		///
		/// Complexity: O(MaxActivationsPerBlock + MaxGroupsPerModel x MaxMembers).
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::publish_version())]
		pub fn publish_version(
			origin: OriginFor<T>,
			model: ModelId,
			digest: Digest,
			format: WeightsFormat,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let mut info = Self::owned_model(&owner, model)?;
			let now = frame_system::Pallet::<T>::block_number();
			let active_from = now.saturating_add(T::ActivationDelay::get());
			for group in ModelGroups::<T>::get(model) {
				if let Some(g) = Groups::<T>::get(group) {
					ensure!(!Self::clashes(&g, model, &digest), Error::<T>::DuplicateWeights);
				}
			}

			// A replacement gets the next number too: a number names one file.
			let (version, replaced) = match info.pending.take() {
				Some(old) => {
					Self::unschedule(model, &old);
					(old.version.checked_add(1).ok_or(Error::<T>::Overflow)?, true)
				}
				None => (info.current.checked_add(1).ok_or(Error::<T>::Overflow)?, false),
			};
			Activations::<T>::try_mutate(active_from, |due| due.try_push(model))
				.map_err(|_| Error::<T>::ActivationQueueFull)?;
			Versions::<T>::insert(
				model,
				version,
				VersionRecord { digest, format, published_at: now, active_from },
			);
			info.pending = Some(PendingVersion { version, active_from });
			Models::<T>::insert(model, info);

			if replaced {
				Self::deposit_event(Event::PendingVersionReplaced {
					model,
					version,
					digest,
					active_from,
				});
			} else {
				Self::deposit_event(Event::VersionPublished {
					model,
					version,
					digest,
					active_from,
				});
			}
			Ok(())
		}

		/// Retire a model: it leaves every group, its worker key is revoked and a
		/// pending version is cancelled. Its record and versions stay.
		///
		/// - Origin: Signed by the model's owner.
		///
		/// Complexity: O(MaxGroupsPerModel * MaxMembers).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::retire_model(T::MaxGroupsPerModel::get()))]
		pub fn retire_model(origin: OriginFor<T>, model: ModelId) -> DispatchResultWithPostInfo {
			let owner = ensure_signed(origin)?;
			let info = Self::owned_model(&owner, model)?;
			let left = Self::do_retire(&owner, model, info)?;
			Ok(Some(T::WeightInfo::retire_model(left)).into())
		}

		/// Authorize `worker` to vote for `model`, replacing its current worker.
		///
		/// - Origin: Signed by the model's owner.
		/// - `worker`: a key that votes for no other model.
		///
		/// Complexity: O(1).
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::authorize_worker())]
		pub fn authorize_worker(
			origin: OriginFor<T>,
			model: ModelId,
			worker: T::AccountId,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_authorize_worker(&owner, model, worker)
		}

		/// Revoke the worker key of `model`.
		///
		/// - Origin: Signed by the model's owner.
		///
		/// Complexity: O(1).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::revoke_worker())]
		pub fn revoke_worker(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let mut info = Self::owned_model(&owner, model)?;
			let worker = info.worker.take().ok_or(Error::<T>::NoWorker)?;
			Workers::<T>::remove(&worker);
			WorkerPeers::<T>::remove(model);
			Models::<T>::insert(model, info);
			Self::deposit_event(Event::WorkerRevoked { model, worker });
			Ok(())
		}

		/// Create a model group. It takes requests once `quorum` models have joined.
		///
		/// - Origin: root, or Signed by an admitted owner.
		/// - `task`, `input`: what member models must serve.
		/// - `policy`: how answers are compared; `TopK(k)` needs 1 <= k < classes, k <= 16.
		/// - `quorum`: equal answers needed to certify, 1..=MaxMembers.
		/// - `price`: fee per request. `max_batch`: 1..=MaxBatchSize.
		/// - `min_member_bond`: bond each member's owner commits to the group.
		///
		/// Complexity: O(1).
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::create_group())]
		pub fn create_group(
			origin: OriginFor<T>,
			task: Task,
			input: InputSpec,
			policy: AgreementPolicy,
			quorum: u32,
			#[pallet::compact] price: BalanceOf<T>,
			max_batch: u32,
			#[pallet::compact] min_member_bond: BalanceOf<T>,
		) -> DispatchResult {
			let creator = ensure_signed_or_root(origin)?;
			if let Some(who) = &creator {
				ensure!(Owners::<T>::contains_key(who), Error::<T>::NotOwner);
			}
			Self::do_create_group(
				creator,
				task,
				input,
				policy,
				quorum,
				price,
				max_batch,
				min_member_bond,
			)
			.map(|_| ())
		}

		/// Put `model` into `group`. The owner's bonded stake must cover this group's
		/// minimum member bond on top of what already backs other memberships.
		///
		/// - Origin: Signed by the model's owner.
		/// - `group`: a group whose task and input spec equal the model's, with room
		///   (fewer than `2q - 1` members) and no other model of this owner.
		/// - `model`: not retired, with an authorized worker.
		///
		/// Complexity: O(MaxMembers).
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::join_group(T::MaxMembers::get()))]
		pub fn join_group(origin: OriginFor<T>, group: GroupId, model: ModelId) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_join(&owner, group, model)
		}

		/// Take `model` out of `group`; the group's minimum member bond stops
		/// backing the membership and may be unbonded.
		///
		/// - Origin: Signed by the model's owner.
		///
		/// Complexity: O(MaxMembers).
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::leave_group(T::MaxMembers::get()))]
		pub fn leave_group(origin: OriginFor<T>, group: GroupId, model: ModelId) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::owned_model(&owner, model)?;
			Self::do_leave(&owner, group, model)
		}

		/// Remove `model` from `group`, as if its owner had left: the group's
		/// minimum member bond stops backing the membership (nothing is
		/// slashed or released).
		///
		/// - Origin: [`Config::AdmitOrigin`] (root).
		///
		/// Complexity: O(MaxMembers).
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::remove_member(T::MaxMembers::get()))]
		pub fn remove_member(
			origin: OriginFor<T>,
			group: GroupId,
			model: ModelId,
		) -> DispatchResult {
			T::AdmitOrigin::ensure_origin(origin)?;
			let g = Groups::<T>::get(group).ok_or(Error::<T>::UnknownGroup)?;
			let owner = g
				.members
				.iter()
				.find(|m| m.model == model)
				.map(|m| m.owner.clone())
				.ok_or(Error::<T>::NotMember)?;
			Self::do_leave(&owner, group, model)?;
			Self::deposit_event(Event::MemberRemoved { group, model, owner });
			Ok(())
		}

		/// Remove `owner` from the marketplace: every model of it is retired
		/// (it leaves its groups, its worker key is revoked, a pending version
		/// is cancelled) and its whole bond, bonded and unbonding, is released
		/// to it now. Its models stay on record. Root may admit it again later.
		///
		/// - Origin: [`Config::AdmitOrigin`] (root).
		///
		/// Complexity: O(MaxModelsPerOwner x MaxGroupsPerModel x MaxMembers).
		#[pallet::call_index(13)]
		#[pallet::weight(Pallet::<T>::remove_owner_weight(T::MaxModelsPerOwner::get()))]
		pub fn remove_owner(
			origin: OriginFor<T>,
			owner: T::AccountId,
		) -> DispatchResultWithPostInfo {
			T::AdmitOrigin::ensure_origin(origin)?;
			ensure!(Owners::<T>::contains_key(&owner), Error::<T>::NotOwner);
			let models = OwnerModels::<T>::get(&owner);
			let mut retired = 0u32;
			for model in models.iter().copied() {
				let Some(info) = Models::<T>::get(model) else { continue };
				if info.retired {
					continue;
				}
				Self::do_retire(&owner, model, info)?;
				retired.saturating_inc();
			}
			let released =
				T::Currency::release_all(&HoldReason::Bond.into(), &owner, Precision::BestEffort)?;
			Owners::<T>::remove(&owner);
			Self::deposit_event(Event::OwnerRemoved { owner, released });
			Ok(Some(Self::remove_owner_weight(retired)).into())
		}

		/// Announce where the signer's model's worker is reached over libp2p,
		/// replacing what it announced before.
		///
		/// - Origin: Signed by a model's worker key.
		/// - `peer_id`: the worker's libp2p peer id (its multihash bytes), 1 to
		///   `MAX_PEER_ID_LEN` bytes.
		/// - `addrs`: up to `MAX_PEER_ADDRS` multiaddrs in binary form, each 1 to
		///   `MAX_PEER_ADDR_LEN` bytes (none: the worker only dials).
		///
		/// The other members' workers connect to this peer id and refuse every
		/// peer that is not a member. Complexity: O(1).
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::set_worker_peer())]
		pub fn set_worker_peer(
			origin: OriginFor<T>,
			peer_id: Vec<u8>,
			addrs: Vec<Vec<u8>>,
		) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			let model = Workers::<T>::get(&worker).ok_or(Error::<T>::NotWorker)?;
			ensure!(!peer_id.is_empty(), Error::<T>::EmptyPeerId);
			let peer_id = peer_id.try_into().map_err(|_| Error::<T>::PeerIdTooLong)?;
			ensure!(addrs.len() <= MAX_PEER_ADDRS as usize, Error::<T>::TooManyPeerAddrs);
			let addrs = addrs
				.into_iter()
				.map(|a| {
					ensure!(!a.is_empty(), Error::<T>::BadPeerAddr);
					a.try_into().map_err(|_| Error::<T>::BadPeerAddr)
				})
				.collect::<Result<Vec<_>, _>>()?
				.try_into()
				.map_err(|_| Error::<T>::TooManyPeerAddrs)?;
			WorkerPeers::<T>::insert(model, WorkerPeer { peer_id, addrs });
			Self::deposit_event(Event::WorkerPeerSet { model, worker });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	fn do_admit(owner: T::AccountId) -> DispatchResult {
		ensure!(!Owners::<T>::contains_key(&owner), Error::<T>::AlreadyOwner);
		Owners::<T>::insert(
			&owner,
			OwnerInfo { bonded: Zero::zero(), unbonding: BoundedVec::new(), backing: Zero::zero() },
		);
		Self::deposit_event(Event::OwnerAdmitted { owner });
		Ok(())
	}

	/// Weight of removing an owner with `models` models to retire: the
	/// removal itself plus each model's retirement at its worst case (in
	/// `MaxGroupsPerModel` groups).
	fn remove_owner_weight(models: u32) -> Weight {
		T::WeightInfo::remove_owner(models).saturating_add(
			T::WeightInfo::retire_model(T::MaxGroupsPerModel::get()).saturating_mul(models.into()),
		)
	}

	/// Retire `model` (owned by `owner`, not retired); returns how many
	/// groups it left.
	fn do_retire(
		owner: &T::AccountId,
		model: ModelId,
		mut info: ModelOf<T>,
	) -> Result<u32, DispatchError> {
		let groups = ModelGroups::<T>::get(model);
		let left = groups.len() as u32;
		for group in groups {
			Self::do_leave(owner, group, model)?;
		}
		if let Some(pending) = info.pending.take() {
			Self::unschedule(model, &pending);
			Versions::<T>::remove(model, pending.version);
		}
		if let Some(worker) = info.worker.take() {
			Workers::<T>::remove(&worker);
			WorkerPeers::<T>::remove(model);
			Self::deposit_event(Event::WorkerRevoked { model, worker });
		}
		info.retired = true;
		Models::<T>::insert(model, info);
		Self::deposit_event(Event::ModelRetired { model });
		Ok(left)
	}

	/// The weights digests `model` serves now and will serve (its current
	/// version's and its pending version's).
	fn digests(model: ModelId, info: &ModelOf<T>) -> Vec<Digest> {
		let mut versions = alloc::vec![info.current];
		versions.extend(info.pending.as_ref().map(|p| p.version));
		versions
			.into_iter()
			.filter_map(|v| Versions::<T>::get(model, v))
			.map(|r| r.digest)
			.collect()
	}

	/// Whether a member of `group` other than `model` serves or will serve
	/// weights with `digest`.
	fn clashes(group: &GroupOf<T>, model: ModelId, digest: &Digest) -> bool {
		group.members.iter().filter(|m| m.model != model).any(|m| {
			Models::<T>::get(m.model)
				.is_some_and(|info| Self::digests(m.model, &info).contains(digest))
		})
	}

	fn do_bond(owner: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		Owners::<T>::try_mutate(owner, |info| -> DispatchResult {
			let info = info.as_mut().ok_or(Error::<T>::NotOwner)?;
			T::Currency::hold(&HoldReason::Bond.into(), owner, amount)?;
			// The hold succeeded, so the sum is at most the total issuance.
			info.bonded = info.bonded.saturating_add(amount);
			Ok(())
		})?;
		Self::deposit_event(Event::Bonded { owner: owner.clone(), amount });
		Ok(())
	}

	fn do_register(
		owner: &T::AccountId,
		name: BoundedVec<u8, T::MaxNameLen>,
		task: Task,
		input: InputSpec,
		digest: Digest,
		format: WeightsFormat,
	) -> Result<ModelId, DispatchError> {
		ensure!(Owners::<T>::contains_key(owner), Error::<T>::NotOwner);
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		ensure!(task.classes() >= 2, Error::<T>::InvalidTask);
		input.elements().map_err(|_| Error::<T>::InvalidInputSpec)?;

		let model = NextModelId::<T>::get();
		NextModelId::<T>::put(model.checked_add(1).ok_or(Error::<T>::Overflow)?);
		OwnerModels::<T>::try_mutate(owner, |models| models.try_push(model))
			.map_err(|_| Error::<T>::TooManyModels)?;
		let now = frame_system::Pallet::<T>::block_number();
		let version: VersionNumber = 1;
		Versions::<T>::insert(
			model,
			version,
			VersionRecord { digest, format, published_at: now, active_from: now },
		);
		Models::<T>::insert(
			model,
			ModelInfo {
				owner: owner.clone(),
				name,
				task,
				input,
				current: version,
				pending: None,
				worker: None,
				retired: false,
			},
		);
		Self::deposit_event(Event::ModelRegistered {
			model,
			owner: owner.clone(),
			version,
			digest,
		});
		Ok(model)
	}

	fn do_authorize_worker(
		owner: &T::AccountId,
		model: ModelId,
		worker: T::AccountId,
	) -> DispatchResult {
		let mut info = Self::owned_model(owner, model)?;
		ensure!(!Workers::<T>::contains_key(&worker), Error::<T>::WorkerInUse);
		if let Some(old) = info.worker.replace(worker.clone()) {
			Workers::<T>::remove(&old);
			// The new key announces its own peer.
			WorkerPeers::<T>::remove(model);
			Self::deposit_event(Event::WorkerRevoked { model, worker: old });
		}
		Workers::<T>::insert(&worker, model);
		Models::<T>::insert(model, info);
		Self::deposit_event(Event::WorkerAuthorized { model, worker });
		Ok(())
	}

	#[allow(clippy::too_many_arguments)]
	fn do_create_group(
		creator: Option<T::AccountId>,
		task: Task,
		input: InputSpec,
		policy: AgreementPolicy,
		quorum: u32,
		price: BalanceOf<T>,
		max_batch: u32,
		min_member_bond: BalanceOf<T>,
	) -> Result<GroupId, DispatchError> {
		ensure!(task.classes() >= 2, Error::<T>::InvalidTask);
		input.elements().map_err(|_| Error::<T>::InvalidInputSpec)?;
		ensure!((1..=T::MaxMembers::get()).contains(&quorum), Error::<T>::InvalidQuorum);
		ensure!((1..=T::MaxBatchSize::get()).contains(&max_batch), Error::<T>::InvalidBatchSize);
		if let AgreementPolicy::TopK(k) = policy {
			ensure!(
				k >= 1
					&& u32::from(k) < task.classes()
					&& u32::from(k) <= dropbear_primitives::MAX_TOP_K,
				Error::<T>::InvalidPolicy
			);
		}
		let group = NextGroupId::<T>::get();
		NextGroupId::<T>::put(group.checked_add(1).ok_or(Error::<T>::Overflow)?);
		Groups::<T>::insert(
			group,
			GroupInfo {
				creator: creator.clone(),
				task,
				input,
				policy,
				quorum,
				price,
				max_batch,
				min_member_bond,
				members: BoundedVec::new(),
				active: false,
			},
		);
		Self::deposit_event(Event::GroupCreated { group, creator });
		Ok(group)
	}

	fn do_join(owner: &T::AccountId, group: GroupId, model: ModelId) -> DispatchResult {
		let info = Self::owned_model(owner, model)?;
		ensure!(info.worker.is_some(), Error::<T>::NoWorker);
		let mut g = Groups::<T>::get(group).ok_or(Error::<T>::UnknownGroup)?;
		ensure!(g.task == info.task, Error::<T>::TaskMismatch);
		ensure!(g.input == info.input, Error::<T>::InputMismatch);
		ensure!(!g.members.iter().any(|m| m.owner == *owner), Error::<T>::OwnerAlreadyMember);
		ensure!((g.members.len() as u32) < g.capacity(), Error::<T>::GroupFull);
		for digest in Self::digests(model, &info) {
			ensure!(!Self::clashes(&g, model, &digest), Error::<T>::DuplicateWeights);
		}

		Owners::<T>::try_mutate(owner, |o| -> DispatchResult {
			let o = o.as_mut().ok_or(Error::<T>::NotOwner)?;
			let backing =
				o.backing.checked_add(&g.min_member_bond).ok_or(Error::<T>::InsufficientBond)?;
			ensure!(o.bonded >= backing, Error::<T>::InsufficientBond);
			o.backing = backing;
			Ok(())
		})?;
		ModelGroups::<T>::try_mutate(model, |groups| groups.try_push(group))
			.map_err(|_| Error::<T>::TooManyGroups)?;
		g.members
			.try_push(GroupMember { owner: owner.clone(), model })
			.map_err(|_| Error::<T>::GroupFull)?;
		let activated = !g.active && g.can_certify();
		g.active = g.can_certify();
		Groups::<T>::insert(group, g);

		Self::deposit_event(Event::MemberJoined { group, model, owner: owner.clone() });
		if activated {
			Self::deposit_event(Event::GroupActivated { group });
		}
		Ok(())
	}

	fn do_leave(owner: &T::AccountId, group: GroupId, model: ModelId) -> DispatchResult {
		let mut g = Groups::<T>::get(group).ok_or(Error::<T>::UnknownGroup)?;
		let at = g.members.iter().position(|m| m.model == model).ok_or(Error::<T>::NotMember)?;
		g.members.remove(at);
		ModelGroups::<T>::mutate(model, |groups| groups.retain(|x| *x != group));
		Owners::<T>::mutate(owner, |o| {
			if let Some(o) = o.as_mut() {
				// Joining added exactly this amount.
				o.backing = o.backing.saturating_sub(g.min_member_bond);
			}
		});
		let deactivated = g.active && !g.can_certify();
		g.active = g.can_certify();
		Groups::<T>::insert(group, g);

		Self::deposit_event(Event::MemberLeft { group, model, owner: owner.clone() });
		if deactivated {
			Self::deposit_event(Event::GroupDeactivated { group });
		}
		Ok(())
	}

	/// Take a pending version's activation off its block's queue.
	fn unschedule(model: ModelId, pending: &PendingVersion<BlockNumberFor<T>>) {
		Activations::<T>::mutate(pending.active_from, |due| due.retain(|m| *m != model));
	}

	/// The model, if `owner` owns it and it is not retired.
	fn owned_model(owner: &T::AccountId, model: ModelId) -> Result<ModelOf<T>, DispatchError> {
		let info = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
		ensure!(info.owner == *owner, Error::<T>::NotModelOwner);
		ensure!(!info.retired, Error::<T>::ModelRetired);
		Ok(info)
	}

	fn activate_pending(model: ModelId, now: BlockNumberFor<T>) {
		Models::<T>::mutate(model, |info| {
			let Some(info) = info.as_mut() else { return };
			match info.pending.take() {
				Some(p) if p.active_from == now => {
					info.current = p.version;
					Self::deposit_event(Event::VersionActivated { model, version: p.version });
				}
				// Not due now (the queue and the record disagree): keep it; try-state
				// flags this, and nothing serves an inconsistent version.
				other => {
					log::error!(target: LOG_TARGET, "model {model}: activation at {now:?} found {other:?}");
					info.pending = other;
				}
			}
		});
	}

	/// The version of `model` that serves requests ordered at block `at`.
	pub fn version_at(info: &ModelOf<T>, at: BlockNumberFor<T>) -> VersionNumber {
		match &info.pending {
			Some(p) if at >= p.active_from => p.version,
			_ => info.current,
		}
	}

	/// Stake an owner has held by this pallet: bonded plus unbonding.
	pub fn total_stake(info: &OwnerOf<T>) -> BalanceOf<T> {
		info.unbonding.iter().fold(info.bonded, |acc, c| acc.saturating_add(c.amount))
	}

	/// Invariants, checked after every unit test and by try-runtime:
	/// - each owner's held balance equals bonded plus unbonding stake, and its
	///   backing equals the minimum bonds of its memberships (a slash may leave
	///   it uncovered: see [`Pallet::bond_covers_memberships`]);
	/// - each member is an unretired model of its recorded owner, with one model
	///   per owner per group, and `ModelGroups` mirrors memberships;
	/// - a group is active exactly when its quorum is a strict majority of at
	///   least `q` members, and never has more than `2q - 1` members;
	/// - worker keys and models point at each other;
	/// - every pending version is queued at its activation block;
	/// - only a model with a worker key has an announced peer.
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		for model in WorkerPeers::<T>::iter_keys() {
			ensure!(
				Models::<T>::get(model).is_some_and(|m| m.worker.is_some()),
				"a peer announced for a model without a worker key"
			);
		}
		let mut backing: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (group, g) in Groups::<T>::iter() {
			ensure!(g.active == g.can_certify(), "group activity disagrees with its members");
			ensure!((g.members.len() as u32) <= g.capacity(), "group above 2q - 1 members");
			let mut owners = Vec::new();
			let mut digests: Vec<Digest> = Vec::new();
			for m in g.members.iter() {
				let info = Models::<T>::get(m.model).ok_or("member model missing")?;
				let mut mine = Self::digests(m.model, &info);
				mine.dedup();
				for d in mine {
					ensure!(!digests.contains(&d), "two members of a group share a weights digest");
					digests.push(d);
				}
				let model = Models::<T>::get(m.model).ok_or("member model missing")?;
				ensure!(model.owner == m.owner, "member model belongs to another owner");
				ensure!(!model.retired, "retired model in a group");
				ensure!(!owners.contains(&m.owner), "two models of one owner in a group");
				owners.push(m.owner.clone());
				ensure!(
					ModelGroups::<T>::get(m.model).contains(&group),
					"ModelGroups misses a membership"
				);
				let b = backing.entry(m.owner.clone()).or_insert_with(Zero::zero);
				*b = b.saturating_add(g.min_member_bond);
			}
		}
		for (model, groups) in ModelGroups::<T>::iter() {
			for group in groups {
				let g = Groups::<T>::get(group).ok_or("ModelGroups names a missing group")?;
				ensure!(
					g.members.iter().any(|m| m.model == model),
					"ModelGroups names a non-membership"
				);
			}
		}
		for (owner, info) in Owners::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::Bond.into(), &owner);
			ensure!(held == Self::total_stake(&info), "held bond differs from bonded + unbonding");
			let expected = backing.remove(&owner).unwrap_or_else(Zero::zero);
			ensure!(info.backing == expected, "backing differs from memberships' minimum bonds");
		}
		ensure!(backing.is_empty(), "a member's owner is not an admitted owner");
		for (worker, model) in Workers::<T>::iter() {
			let info = Models::<T>::get(model).ok_or("worker of a missing model")?;
			ensure!(info.worker.as_ref() == Some(&worker), "worker and model disagree");
		}
		for (model, info) in Models::<T>::iter() {
			ensure!(
				OwnerModels::<T>::get(&info.owner).contains(&model),
				"a model is missing from its owner's list"
			);
			if let Some(w) = &info.worker {
				ensure!(Workers::<T>::get(w) == Some(model), "model's worker is not registered");
			}
			if let Some(p) = &info.pending {
				ensure!(
					Activations::<T>::get(p.active_from).contains(&model),
					"pending version not queued"
				);
				ensure!(
					Versions::<T>::contains_key(model, p.version),
					"pending version has no record"
				);
			}
			ensure!(
				Versions::<T>::contains_key(model, info.current),
				"current version has no record"
			);
		}
		Ok(())
	}
}

impl<T: Config> ModelRegistry<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
	fn group_terms(group: GroupId) -> Option<GroupTerms<BalanceOf<T>>> {
		Groups::<T>::get(group).map(|g| GroupTerms {
			policy: g.policy,
			quorum: g.quorum,
			price: g.price,
			max_batch: g.max_batch,
			classes: g.task.classes(),
			input: g.input.clone(),
			active: g.active,
			members: g.members.len() as u32,
		})
	}

	fn serving_members(group: GroupId, at: BlockNumberFor<T>) -> Vec<ServingMember<T::AccountId>> {
		let Some(g) = Groups::<T>::get(group) else { return Vec::new() };
		g.members
			.iter()
			.filter_map(|m| {
				let info = Models::<T>::get(m.model)?;
				let version = Self::version_at(&info, at);
				let record = Versions::<T>::get(m.model, version)?;
				Some(ServingMember {
					model: m.model,
					owner: m.owner.clone(),
					version,
					digest: record.digest,
				})
			})
			.collect()
	}

	fn model_of_worker(worker: &T::AccountId) -> Option<ModelId> {
		Workers::<T>::get(worker)
	}

	fn is_suspended(group: GroupId, model: ModelId) -> bool {
		// A model that is no longer a member (it left, or root removed it)
		// votes on none of the group's open batches either.
		let Some(g) = Groups::<T>::get(group) else { return true };
		let Some(member) = g.members.iter().find(|m| m.model == model) else { return true };
		Owners::<T>::get(&member.owner).is_none_or(|o| o.bonded < g.min_member_bond)
	}

	fn slash_owner(owner: &T::AccountId, fraction: Perbill) -> BalanceOf<T> {
		let Some(mut info) = Owners::<T>::get(owner) else { return Zero::zero() };
		let target = fraction.mul_floor(Self::total_stake(&info));
		if target.is_zero() {
			return Zero::zero();
		}
		let (credit, _missing) = <T::Currency as fungible::BalancedHold<_>>::slash(
			&HoldReason::Bond.into(),
			owner,
			target,
		);
		let slashed = credit.peek();
		T::Slashed::on_unbalanced(credit);

		// Take it from bonded stake first, then from the latest unbonding chunks.
		let mut rest = slashed;
		let from_bonded = rest.min(info.bonded);
		info.bonded = info.bonded.saturating_sub(from_bonded);
		rest = rest.saturating_sub(from_bonded);
		for chunk in info.unbonding.iter_mut().rev() {
			let take = rest.min(chunk.amount);
			chunk.amount = chunk.amount.saturating_sub(take);
			rest = rest.saturating_sub(take);
		}
		info.unbonding.retain(|c| !c.amount.is_zero());
		Owners::<T>::insert(owner, info);
		Self::deposit_event(Event::OwnerSlashed { owner: owner.clone(), amount: slashed });
		slashed
	}

	#[cfg(feature = "runtime-benchmarks")]
	#[allow(clippy::expect_used, clippy::arithmetic_side_effects)]
	fn bench_group(
		members: u32,
		quorum: u32,
		policy: AgreementPolicy,
		price: BalanceOf<T>,
		max_batch: u32,
	) -> (GroupId, Vec<T::AccountId>) {
		benchmarking::bench_group::<T>(members, quorum, policy, price, max_batch)
	}
}

/// Reads of the hold used by benchmarks and tests.
impl<T: Config> Pallet<T> {
	/// Balance held for `owner`'s bond.
	pub fn held_bond(owner: &T::AccountId) -> BalanceOf<T> {
		T::Currency::balance_on_hold(&HoldReason::Bond.into(), owner)
	}

	/// Whether the owner's remaining bond still covers its memberships.
	pub fn bond_covers_memberships(owner: &T::AccountId) -> bool {
		Owners::<T>::get(owner).map(|o| o.bonded >= o.backing).unwrap_or(true)
	}
}
