//! Who may validate, and which nodes may connect.

use crate::{AccountId, Runtime, RuntimeEvent};
use frame_support::traits::{ConstU32, Contains};
use frame_system::EnsureRoot;

/// An account may become a validator once it has registered session keys.
pub struct HasSessionKeys;
impl Contains<AccountId> for HasSessionKeys {
	fn contains(who: &AccountId) -> bool {
		pallet_session::NextKeys::<Runtime>::contains_key(who)
	}
}

impl pallet_validator_set::Config for Runtime {
	type AddRemoveOrigin = EnsureRoot<AccountId>;
	type KeysRegistered = HasSessionKeys;
	type MaxValidators = super::MaxAuthorities;
	// GRANDPA needs more than two thirds of the set online; with fewer than one
	// validator there is no chain at all.
	type MinValidators = ConstU32<1>;
	type SessionRotation = super::consensus::SessionsAtEpochChange;
	type WeightInfo = pallet_validator_set::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = HasSessionKeys;
}

/// Benchmarks give an account keys the way [`HasSessionKeys`] looks for them.
#[cfg(feature = "runtime-benchmarks")]
impl pallet_validator_set::BenchmarkHelper<AccountId> for HasSessionKeys {
	fn register_keys(who: &AccountId) {
		use codec::Decode;
		use sp_runtime::traits::TrailingZeroInput;
		// Only the presence of keys is checked; all-zero keys do. Should they
		// ever fail to decode, the benchmark fails with `NoSessionKeys`.
		if let Ok(keys) = crate::SessionKeys::decode(&mut TrailingZeroInput::zeroes()) {
			pallet_session::NextKeys::<Runtime>::insert(who, keys);
		}
	}
}

impl pallet_node_authorization::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type MaxWellKnownNodes = ConstU32<64>;
	// A libp2p peer id of an ed25519 key is 38 bytes; leave room for others.
	type MaxPeerIdLength = ConstU32<128>;
	type AddOrigin = EnsureRoot<AccountId>;
	type RemoveOrigin = EnsureRoot<AccountId>;
	type SwapOrigin = EnsureRoot<AccountId>;
	type ResetOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
}
