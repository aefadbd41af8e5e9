//! Benchmarks of `pallet-models`, each at its worst case.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use super::*;
use dropbear_primitives::{DType, InputSpec, Task, WeightsFormat};
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Hooks};
use frame_system::RawOrigin;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let amount = T::Currency::minimum_balance().saturating_mul(1_000_000u32.into());
	T::Currency::set_balance(&who, amount);
	who
}

fn stake<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().saturating_mul(1_000u32.into())
}

fn owner<T: Config>(index: u32) -> T::AccountId {
	let who = funded::<T>("owner", index);
	Pallet::<T>::do_admit(who.clone()).unwrap();
	Pallet::<T>::do_bond(&who, stake::<T>()).unwrap();
	who
}

fn input() -> InputSpec {
	InputSpec { dtype: DType::F32, shape: alloc::vec![1, 8, 8].try_into().unwrap() }
}

fn task() -> Task {
	Task::ImageClassification { classes: 10 }
}

fn name<T: Config>() -> BoundedVec<u8, T::MaxNameLen> {
	alloc::vec![b'm'; T::MaxNameLen::get() as usize].try_into().unwrap()
}

/// Weights digest of the `index`-th benchmark model: members of a group
/// must serve different weights.
fn digest(index: u32) -> Digest {
	let mut d = [0xbe; 32];
	d[..4].copy_from_slice(&index.to_le_bytes());
	d
}

/// A model of `owner` with an authorized worker.
fn ready_model<T: Config>(owner: &T::AccountId, index: u32) -> ModelId {
	let model = Pallet::<T>::do_register(
		owner,
		name::<T>(),
		task(),
		input(),
		digest(index),
		WeightsFormat::TorchScript,
	)
	.unwrap();
	let worker: T::AccountId = account("worker", index, 0);
	Pallet::<T>::do_authorize_worker(owner, model, worker).unwrap();
	model
}

/// A group whose capacity is `MaxMembers`, with members from owners
/// `first..first + members`.
fn group_with<T: Config>(members: u32, min_bond: BalanceOf<T>, first: u32) -> GroupId {
	let group = Pallet::<T>::do_create_group(
		None,
		task(),
		input(),
		AgreementPolicy::Top1,
		T::MaxMembers::get(),
		1u32.into(),
		T::MaxBatchSize::get(),
		min_bond,
	)
	.unwrap();
	for i in first..first + members {
		let o = owner::<T>(i);
		let m = ready_model::<T>(&o, i);
		Pallet::<T>::do_join(&o, group, m).unwrap();
	}
	group
}

/// For other pallets' benchmarks (through `ModelRegistry::bench_group`): a
/// fresh group of `members` ready models from new owners.
pub(crate) fn bench_group<T: Config>(
	members: u32,
	quorum: u32,
	policy: AgreementPolicy,
	price: BalanceOf<T>,
	max_batch: u32,
) -> (GroupId, Vec<T::AccountId>) {
	let first = NextModelId::<T>::get() + 10_000;
	let group = Pallet::<T>::do_create_group(
		None,
		task(),
		input(),
		policy,
		quorum,
		price,
		max_batch,
		T::Currency::minimum_balance(),
	)
	.unwrap();
	let mut workers = Vec::new();
	for i in first..first + members {
		let o = owner::<T>(i);
		let m = ready_model::<T>(&o, i);
		Pallet::<T>::do_join(&o, group, m).unwrap();
		workers.push(Models::<T>::get(m).unwrap().worker.unwrap());
	}
	(group, workers)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn admit_owner() -> Result<(), BenchmarkError> {
		let origin =
			T::AdmitOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who: T::AccountId = account("new", 0, 0);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert!(Owners::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn bond() {
		let who = owner::<T>(0);
		let amount = stake::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);
		assert_eq!(
			Owners::<T>::get(&who).unwrap().bonded,
			stake::<T>().saturating_mul(2u32.into())
		);
	}

	#[benchmark]
	fn unbond() {
		let who = owner::<T>(0);
		let one = T::Currency::minimum_balance();
		for _ in 1..T::MaxUnbondingChunks::get() {
			Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), one).unwrap();
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), one);
		assert_eq!(
			Owners::<T>::get(&who).unwrap().unbonding.len() as u32,
			T::MaxUnbondingChunks::get()
		);
	}

	#[benchmark]
	fn withdraw_unbonded() {
		let who = owner::<T>(0);
		let one = T::Currency::minimum_balance();
		for _ in 0..T::MaxUnbondingChunks::get() {
			Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), one).unwrap();
		}
		let later = frame_system::Pallet::<T>::block_number() + T::UnbondingPeriod::get();
		frame_system::Pallet::<T>::set_block_number(later);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Owners::<T>::get(&who).unwrap().unbonding.is_empty());
	}

	#[benchmark]
	fn register_model() {
		let who = owner::<T>(0);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			name::<T>(),
			task(),
			input(),
			[7; 32],
			WeightsFormat::TorchScript,
		);
		assert!(Models::<T>::contains_key(0));
	}

	// Worst case: a pending version is replaced, so two activation queues change,
	// and the old one is full; the model is in `MaxGroupsPerModel` full groups,
	// whose every member's digests are compared with the new one.
	#[benchmark]
	fn publish_version() {
		let who = owner::<T>(0);
		Pallet::<T>::do_bond(&who, stake::<T>().saturating_mul(100u32.into())).unwrap();
		let model = ready_model::<T>(&who, 0);
		let members = T::MaxMembers::get().saturating_sub(1);
		for i in 0..T::MaxGroupsPerModel::get() {
			let group = group_with::<T>(members, T::Currency::minimum_balance(), 1000 + i * 100);
			Pallet::<T>::do_join(&who, group, model).unwrap();
		}
		let first_block = frame_system::Pallet::<T>::block_number() + T::ActivationDelay::get();
		let filler = owner::<T>(1);
		for i in 1..T::MaxActivationsPerBlock::get() {
			let m = ready_model::<T>(&filler, 10 + i);
			Pallet::<T>::publish_version(
				RawOrigin::Signed(filler.clone()).into(),
				m,
				[2; 32],
				WeightsFormat::TorchScript,
			)
			.unwrap();
		}
		Pallet::<T>::publish_version(
			RawOrigin::Signed(who.clone()).into(),
			model,
			[3; 32],
			WeightsFormat::TorchScript,
		)
		.unwrap();
		frame_system::Pallet::<T>::set_block_number(first_block - 1u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(who), model, [4; 32], WeightsFormat::TorchScript);
		assert_eq!(Versions::<T>::get(model, 3).unwrap().digest, [4; 32]);
	}

	#[benchmark]
	fn retire_model(g: Linear<0, { T::MaxGroupsPerModel::get() }>) {
		let who = owner::<T>(0);
		Pallet::<T>::do_bond(&who, stake::<T>().saturating_mul(100u32.into())).unwrap();
		let model = ready_model::<T>(&who, 0);
		let members = T::MaxMembers::get().saturating_sub(1);
		for i in 0..g {
			let group = group_with::<T>(members, T::Currency::minimum_balance(), 1000 + i * 100);
			Pallet::<T>::do_join(&who, group, model).unwrap();
		}
		Pallet::<T>::publish_version(
			RawOrigin::Signed(who.clone()).into(),
			model,
			[3; 32],
			WeightsFormat::TorchScript,
		)
		.unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(who), model);
		assert!(Models::<T>::get(model).unwrap().retired);
	}

	// Worst case: a previous worker is replaced.
	#[benchmark]
	fn authorize_worker() {
		let who = owner::<T>(0);
		let model = ready_model::<T>(&who, 0);
		let worker: T::AccountId = account("fresh", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), model, worker.clone());
		assert_eq!(Workers::<T>::get(&worker), Some(model));
	}

	#[benchmark]
	fn revoke_worker() {
		let who = owner::<T>(0);
		let model = ready_model::<T>(&who, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), model);
		assert!(Models::<T>::get(model).unwrap().worker.is_none());
	}

	/// The longest peer id and the most, longest addresses, replacing an
	/// earlier announcement.
	#[benchmark]
	fn set_worker_peer() {
		let who = owner::<T>(0);
		let model = ready_model::<T>(&who, 0);
		let worker = Models::<T>::get(model).unwrap().worker.unwrap();
		let addrs =
			alloc::vec![alloc::vec![7u8; MAX_PEER_ADDR_LEN as usize]; MAX_PEER_ADDRS as usize];
		Pallet::<T>::set_worker_peer(
			RawOrigin::Signed(worker.clone()).into(),
			alloc::vec![1],
			alloc::vec![],
		)
		.unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(worker), alloc::vec![9u8; MAX_PEER_ID_LEN as usize], addrs);
		assert_eq!(WorkerPeers::<T>::get(model).unwrap().addrs.len(), MAX_PEER_ADDRS as usize);
	}

	#[benchmark]
	fn create_group() {
		let who = owner::<T>(0);
		let price: BalanceOf<T> = 1u32.into();
		let min_bond: BalanceOf<T> = 1u32.into();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			task(),
			input(),
			AgreementPolicy::TopK(3),
			T::MaxMembers::get(),
			price,
			T::MaxBatchSize::get(),
			min_bond,
		);
		assert!(Groups::<T>::contains_key(0));
	}

	#[benchmark]
	fn join_group(m: Linear<0, { T::MaxMembers::get().saturating_sub(1) }>) {
		let group = group_with::<T>(m, T::Currency::minimum_balance(), 1000);
		let who = owner::<T>(0);
		let model = ready_model::<T>(&who, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), group, model);
		assert_eq!(Groups::<T>::get(group).unwrap().members.len() as u32, m + 1);
	}

	#[benchmark]
	fn leave_group(m: Linear<1, { T::MaxMembers::get() }>) {
		let group = group_with::<T>(m, T::Currency::minimum_balance(), 1000);
		let leaving = Groups::<T>::get(group).unwrap().members.first().unwrap().clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(leaving.owner), group, leaving.model);
		assert_eq!(Groups::<T>::get(group).unwrap().members.len() as u32, m - 1);
	}

	#[benchmark]
	fn remove_member(m: Linear<1, { T::MaxMembers::get() }>) -> Result<(), BenchmarkError> {
		let origin =
			T::AdmitOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let group = group_with::<T>(m, T::Currency::minimum_balance(), 1000);
		let removed = Groups::<T>::get(group).unwrap().members.last().unwrap().clone();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, group, removed.model);
		assert_eq!(Groups::<T>::get(group).unwrap().members.len() as u32, m - 1);
		Ok(())
	}

	// `m` models with workers and pending versions, and unbonding chunks;
	// the cost of each model leaving its groups is charged on top with the
	// `retire_model` weight.
	#[benchmark]
	fn remove_owner(m: Linear<0, { T::MaxModelsPerOwner::get() }>) -> Result<(), BenchmarkError> {
		let origin =
			T::AdmitOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who = owner::<T>(0);
		let one = T::Currency::minimum_balance();
		for _ in 0..T::MaxUnbondingChunks::get() {
			Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), one).unwrap();
		}
		for i in 0..m {
			let model = ready_model::<T>(&who, i);
			// Spread over blocks: one activation queue holds a bounded number.
			frame_system::Pallet::<T>::set_block_number((i + 1).into());
			Pallet::<T>::publish_version(
				RawOrigin::Signed(who.clone()).into(),
				model,
				digest(10_000 + i),
				WeightsFormat::TorchScript,
			)
			.unwrap();
		}
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert!(!Owners::<T>::contains_key(&who));
		assert!(Pallet::<T>::held_bond(&who).is_zero());
		Ok(())
	}

	#[benchmark]
	fn on_initialize_activations(n: Linear<0, { T::MaxActivationsPerBlock::get() }>) {
		let who = owner::<T>(0);
		for i in 0..n {
			let model = ready_model::<T>(&who, i);
			Pallet::<T>::publish_version(
				RawOrigin::Signed(who.clone()).into(),
				model,
				[5; 32],
				WeightsFormat::TorchScript,
			)
			.unwrap();
		}
		let due = frame_system::Pallet::<T>::block_number() + T::ActivationDelay::get();
		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}
		assert!(Activations::<T>::get(due).is_empty());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
