//! Benchmarks of `pallet-inference`, each at its worst case: the most members
//! a batch can have, every request from a different client, and fees that
//! leave rounding dust to return.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let amount = T::Currency::minimum_balance().saturating_mul(1_000_000_000u32.into());
	T::Currency::set_balance(&who, amount);
	who
}

/// A price that the agreeing members cannot split evenly.
fn price<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().saturating_mul(1_000u32.into()).saturating_add(1u32.into())
}

/// The most members a batch has, and the smallest strict-majority quorum.
fn members_and_quorum<T: Config>() -> (u32, u32) {
	let m = T::MaxMembers::get();
	(m, m / 2 + 1)
}

fn set_block<T: Config>(n: u32) {
	frame_system::Pallet::<T>::set_block_number(n.into());
}

/// A group with the most members and a batch of `b` requests from `b`
/// clients, ordered at block 1; the chain is at block 2.
fn batch_of<T: Config>(b: u32) -> (BatchId, Vec<T::AccountId>, u32) {
	let (m, q) = members_and_quorum::<T>();
	let (group, workers) =
		T::Registry::bench_group(m, q, AgreementPolicy::Top1, price::<T>(), T::MaxBatchSize::get());
	set_block::<T>(1);
	let batch = NextBatchId::<T>::get();
	for i in 0..b {
		let client = funded::<T>("client", i);
		Pallet::<T>::do_request(&client, group, &[[i as u8; 32]], price::<T>()).unwrap();
	}
	set_block::<T>(2);
	(batch, workers, q)
}

fn labels(b: u32, label: u32) -> Vec<Output> {
	(0..b).map(|_| Output::Label(label)).collect()
}

const SALT: Digest = [7; 32];

/// `worker` commits to `outputs` for `batch` (version 1).
fn commit_for<T: Config>(worker: &T::AccountId, batch: BatchId, outputs: &[Output]) {
	let model = T::Registry::model_of_worker(worker).unwrap();
	let digest = certificate::commitment(batch, model, 1, outputs, &SALT);
	let requests = RequestsDigests::<T>::get(batch).unwrap();
	Pallet::<T>::do_commit(worker, batch, requests, digest).unwrap();
}

/// Every member commits at block 2; the chain moves past the commit window.
fn all_commit<T: Config>(batch: BatchId, workers: &[T::AccountId], outputs: &[Output]) {
	for w in workers {
		commit_for::<T>(w, batch, outputs);
	}
	let after = Batches::<T>::get(batch).unwrap().commit_until + One::one();
	frame_system::Pallet::<T>::set_block_number(after);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `n` requests where each opens a batch (group batch size 1) of the most
	/// members.
	#[benchmark]
	fn request_batch(n: Linear<1, { T::MaxRequestsPerCall::get() }>) {
		let (m, q) = members_and_quorum::<T>();
		let (group, _) = T::Registry::bench_group(m, q, AgreementPolicy::Top1, price::<T>(), 1);
		let client = funded::<T>("client", 0);
		let hashes: Vec<Digest> = (0..n).map(|i| [i as u8; 32]).collect();

		#[extrinsic_call]
		request_batch(RawOrigin::Signed(client), group, hashes, price::<T>());

		assert_eq!(NextRequestId::<T>::get(), u64::from(n));
		assert_eq!(NextBatchId::<T>::get(), u64::from(n));
	}

	/// `n` requests into a batch that is already open (with one request): no
	/// batch is opened.
	#[benchmark]
	fn request_batch_filling(
		n: Linear<1, { T::MaxBatchSize::get().min(T::MaxRequestsPerCall::get()) - 1 }>,
	) {
		let (m, q) = members_and_quorum::<T>();
		let (group, _) = T::Registry::bench_group(
			m,
			q,
			AgreementPolicy::Top1,
			price::<T>(),
			T::MaxBatchSize::get(),
		);
		set_block::<T>(1);
		let opener = funded::<T>("opener", 0);
		Pallet::<T>::do_request(&opener, group, &[[0; 32]], price::<T>()).unwrap();
		let client = funded::<T>("client", 0);
		let hashes: Vec<Digest> = (0..n).map(|i| [i as u8; 32]).collect();

		#[extrinsic_call]
		request_batch(RawOrigin::Signed(client), group, hashes, price::<T>());

		assert_eq!(NextBatchId::<T>::get(), 1);
	}

	/// The heavier of a commitment's two paths: a second, different
	/// commitment, which slashes the owner and updates its record.
	#[benchmark]
	fn commit() {
		let (batch, workers, _) = batch_of::<T>(1);
		let worker = workers.first().unwrap().clone();
		commit_for::<T>(&worker, batch, &labels(1, 1));
		let requests = RequestsDigests::<T>::get(batch).unwrap();

		#[extrinsic_call]
		commit_for_requests(RawOrigin::Signed(worker), batch, requests, [9; 32]);

		assert!(Commitments::<T>::get(batch, 0).unwrap().equivocated);
	}

	/// The reveal that brings a batch of `b` requests from `b` clients to
	/// quorum: it checks its commitment, reads every other vote and
	/// certifies every request.
	#[benchmark]
	fn reveal(b: Linear<1, { T::MaxBatchSize::get().min(T::MaxRequestsPerCall::get()) }>) {
		let (batch, workers, q) = batch_of::<T>(b);
		all_commit::<T>(batch, &workers, &labels(b, 1));
		for w in workers.iter().take(q as usize - 1) {
			Pallet::<T>::do_reveal(w, batch, 1, labels(b, 1), SALT).unwrap();
		}
		let last = workers.get(q as usize - 1).unwrap().clone();

		#[extrinsic_call]
		reveal(RawOrigin::Signed(last), batch, 1, labels(b, 1), SALT);

		assert_eq!(Batches::<T>::get(batch).unwrap().undecided, 0);
	}

	/// Closing a batch of `b` undecided requests from `b` clients, with every
	/// member but a quorum's worth having voted: refunds and member records.
	#[benchmark]
	fn close_batch(b: Linear<1, { T::MaxBatchSize::get().min(T::MaxRequestsPerCall::get()) }>) {
		let (batch, workers, q) = batch_of::<T>(b);
		all_commit::<T>(batch, &workers, &labels(b, 1));
		for w in workers.iter().take(q as usize - 1) {
			Pallet::<T>::do_reveal(w, batch, 1, labels(b, 1), SALT).unwrap();
		}
		let deadline = Batches::<T>::get(batch).unwrap().deadline;
		frame_system::Pallet::<T>::set_block_number(deadline);

		#[block]
		{
			Pallet::<T>::close_due(deadline);
		}

		assert!(Batches::<T>::get(batch).unwrap().closed);
	}

	/// Pruning a closed batch of `b` requests with every member's vote.
	#[benchmark]
	fn prune_batch(b: Linear<1, { T::MaxBatchSize::get().min(T::MaxRequestsPerCall::get()) }>) {
		let (batch, workers, _) = batch_of::<T>(b);
		all_commit::<T>(batch, &workers, &labels(b, 1));
		for w in workers.iter() {
			Pallet::<T>::do_reveal(w, batch, 1, labels(b, 1), SALT).unwrap();
		}
		let deadline = Batches::<T>::get(batch).unwrap().deadline;
		Pallet::<T>::close_due(deadline);
		let after = deadline.saturating_add(T::CertificateRetention::get());

		#[block]
		{
			Pallet::<T>::prune(after, Weight::MAX);
		}

		assert!(Batches::<T>::get(batch).is_none());
	}

	/// A proven lie on the last request of a batch of the largest size: the
	/// batch's requests read, the signature checked, the owner slashed.
	#[benchmark]
	fn report_lie() {
		let b = T::MaxBatchSize::get().min(T::MaxRequestsPerCall::get());
		let (batch, workers, _) = batch_of::<T>(b);
		all_commit::<T>(batch, &workers, &labels(b, 1));
		let liar = workers.first().unwrap();
		Pallet::<T>::do_reveal(liar, batch, 1, labels(b, 1), SALT).unwrap();
		let request = NextRequestId::<T>::get() - 1;
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let answer = Answer {
			genesis_hash: genesis.as_ref().try_into().expect("32-byte block hashes"),
			group: Batches::<T>::get(batch).unwrap().group,
			input_hash: [(b - 1) as u8; 32],
			model: T::Registry::model_of_worker(liar).unwrap(),
			version: 1,
			output: Output::Label(2),
		};
		// The helper's key stands for the key that revealed.
		let (key, signature) = T::BenchmarkHelper::sign(&answer.payload());
		Revealers::<T>::insert(batch, 0, Revealer { key, convicted: false });
		let reporter = funded::<T>("reporter", 0);

		#[extrinsic_call]
		report_lie(RawOrigin::Signed(reporter), request, answer, signature);

		assert!(Revealers::<T>::get(batch, 0).unwrap().convicted);
	}

	/// What a contract's `certificate(requestId)` reads: the certificate of
	/// the last request of a decided batch of `b` requests with the most
	/// members, and its batch.
	#[benchmark]
	fn read_certificate(
		b: Linear<1, { T::MaxBatchSize::get().min(T::MaxRequestsPerCall::get()) }>,
	) {
		let (batch, workers, q) = batch_of::<T>(b);
		all_commit::<T>(batch, &workers, &labels(b, 1));
		for w in workers.iter().take(q as usize) {
			Pallet::<T>::do_reveal(w, batch, 1, labels(b, 1), SALT).unwrap();
		}
		let request = NextRequestId::<T>::get() - 1;
		let read;

		#[block]
		{
			read = Pallet::<T>::certificate_with_batch(request);
		}

		let (certificate, read_batch) = read.unwrap();
		assert!(matches!(certificate.outcome, Outcome::Certified(_)));
		assert_eq!(read_batch.len, b);
	}

	/// What a contract's `groupTerms(group)` reads: a group of `m` members,
	/// each model and its active version.
	#[benchmark]
	fn read_group_terms(m: Linear<1, { T::MaxMembers::get() }>) {
		let (group, _) = T::Registry::bench_group(
			m,
			m / 2 + 1,
			AgreementPolicy::Top1,
			price::<T>(),
			T::MaxBatchSize::get(),
		);
		set_block::<T>(1);
		let read;

		#[block]
		{
			read = Pallet::<T>::terms_and_members(group);
		}

		assert_eq!(read.unwrap().1.len(), m as usize);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
