//! BABE, GRANDPA, authorship, sessions and offence reports.
//!
//! Equivocation reports follow Substrate's own node: a node that sees two
//! blocks (BABE) or two votes (GRANDPA) signed by one authority for one slot or
//! round submits an unsigned report with a historical session proof of the key's
//! owner; `pallet-offences` records it and calls [`OffenceHandler`], which
//! disables the offender for the rest of its session (the session pallet's
//! disabling strategy: BABE and GRANDPA ignore it) and drops it from the next
//! validator set (`pallet-validator-set`).

use crate::{
	AccountId, Babe, Balances, BlockNumber, Historical, Offences, Runtime, RuntimeCall,
	RuntimeEvent, SessionKeys, UncheckedExtrinsic, ValidatorSet, EPOCH_DURATION_IN_SLOTS,
	MILLISECS_PER_BLOCK,
};
use alloc::vec::Vec;
use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, KeyOwnerProofSystem},
	weights::Weight,
};
use sp_core::crypto::KeyTypeId;
use sp_runtime::traits::{ConvertInto, OpaqueKeys};
use sp_runtime::Perbill;
use sp_staking::{
	offence::{OffenceDetails, OffenceSeverity, OnOffenceHandler},
	SessionIndex,
};

/// Most validators the chain supports; BABE and GRANDPA bound their sets by it.
pub type MaxAuthorities = ConstU32<100>;

parameter_types! {
	pub const EpochDuration: u64 = EPOCH_DURATION_IN_SLOTS as u64;
	pub const ExpectedBlockTime: u64 = MILLISECS_PER_BLOCK;
	/// How long an equivocation report stays valid in the pool: six sessions.
	pub const ReportLongevity: u64 = 6 * EPOCH_DURATION_IN_SLOTS as u64;
	/// How many GRANDPA set ids map to sessions, for equivocation proofs: as many
	/// sessions as reports stay valid.
	pub const MaxSetIdSessionEntries: u64 = 6;
}

impl pallet_babe::Config for Runtime {
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ExpectedBlockTime;
	// Epochs change when the session pallet rotates.
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	type DisabledValidators = crate::Session;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	type KeyOwnerProof =
		<Historical as KeyOwnerProofSystem<(KeyTypeId, pallet_babe::AuthorityId)>>::Proof;
	type EquivocationReportSystem =
		pallet_babe::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = MaxSetIdSessionEntries;
	type KeyOwnerProof =
		<Historical as KeyOwnerProofSystem<(KeyTypeId, pallet_grandpa::AuthorityId)>>::Proof;
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	type EventHandler = ();
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	// The validator set pallet rotates sessions in its own hook, at a
	// benchmarked weight; the session pallet's hook would book the whole
	// block for it ([`SessionsAtEpochChange`]).
	type ShouldEndSession = RotatedByValidatorSet;
	type NextSessionRotation = Babe;
	type SessionManager = SessionManagerWithPruning;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = pallet_session::disabling::UpToLimitWithReEnablingDisablingStrategy;
	type WeightInfo = ();
	type Currency = Balances;
	// Validators are admitted by root; a deposit on keys would add nothing.
	type KeyDeposit = ConstU128<0>;
}

/// `pallet-session`'s own hook never ends a session: the validator set
/// pallet's does, through [`SessionsAtEpochChange`].
pub struct RotatedByValidatorSet;
impl pallet_session::ShouldEndSession<BlockNumber> for RotatedByValidatorSet {
	fn should_end_session(_now: BlockNumber) -> bool {
		false
	}
}

/// Sessions end at BABE's epoch change, as BABE's external trigger expects,
/// and rotate through `pallet-session` (BABE and GRANDPA take the queued
/// keys, the historical roots note the new set). Asked by the validator set
/// pallet's `on_initialize`, which runs after BABE's (hooks run in the
/// order `#[runtime]` declares the pallets): BABE knows the block's slot by
/// then.
pub struct SessionsAtEpochChange;
impl pallet_validator_set::SessionRotation<BlockNumber> for SessionsAtEpochChange {
	fn should_rotate(now: BlockNumber) -> bool {
		<Babe as pallet_session::ShouldEndSession<BlockNumber>>::should_end_session(now)
	}

	fn rotate() {
		crate::Session::rotate_session();
	}
}

/// On a permissioned chain a validator is identified by its account alone.
pub struct UnitIdentification;
impl sp_runtime::traits::Convert<AccountId, Option<()>> for UnitIdentification {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = UnitIdentification;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	type OnOffenceHandler = OffenceHandler;
}

/// Sessions whose historical validator roots are kept for equivocation proofs:
/// twice the six sessions a report stays valid.
pub const HISTORICAL_SESSIONS_KEPT: SessionIndex = 12;

type NoteRoots = pallet_session::historical::NoteHistoricalRoot<Runtime, ValidatorSet>;

/// The validator set's session manager, noting each session's validator root
/// for equivocation proofs and pruning roots older than
/// [`HISTORICAL_SESSIONS_KEPT`], so that state does not grow with every session.
pub struct SessionManagerWithPruning;
impl pallet_session::SessionManager<AccountId> for SessionManagerWithPruning {
	fn new_session(new_index: SessionIndex) -> Option<Vec<AccountId>> {
		<NoteRoots as pallet_session::SessionManager<_>>::new_session(new_index)
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<AccountId>> {
		<NoteRoots as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
	}

	fn end_session(end_index: SessionIndex) {
		<NoteRoots as pallet_session::SessionManager<_>>::end_session(end_index)
	}

	fn start_session(start_index: SessionIndex) {
		<NoteRoots as pallet_session::SessionManager<_>>::start_session(start_index);
		Historical::prune_up_to(start_index.saturating_sub(HISTORICAL_SESSIONS_KEPT));
	}
}

/// What happens to a validator reported for an offence: disabled for the rest
/// of the session now, dropped from the validator set at the next rotation.
pub struct OffenceHandler;
impl OnOffenceHandler<AccountId, pallet_session::historical::IdentificationTuple<Runtime>, Weight>
	for OffenceHandler
{
	fn on_offence(
		offenders: &[OffenceDetails<
			AccountId,
			pallet_session::historical::IdentificationTuple<Runtime>,
		>],
		slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		for (details, fraction) in offenders.iter().zip(slash_fraction) {
			crate::Session::report_offence(details.offender.0.clone(), OffenceSeverity(*fraction));
		}
		let n = offenders.len() as u64;
		<ValidatorSet as OnOffenceHandler<_, _, Weight>>::on_offence(
			offenders,
			slash_fraction,
			session,
		)
		.saturating_add(<Runtime as frame_system::Config>::DbWeight::get().reads_writes(2 * n, n))
	}
}

// Equivocation reports are unsigned extrinsics built inside the runtime.
impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = UncheckedExtrinsic;
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		// The contracts pallet's extrinsic wraps Substrate's own.
		pallet_revive::evm::runtime::UncheckedExtrinsic(
			sp_runtime::generic::UncheckedExtrinsic::new_bare(call),
		)
	}
}
