//! Certificates as a client reads them: assembled from the four storage
//! items a proof carries, paged by request id, with the batch's owners.

use super::*;
use crate::{certificate, BatchRequests, Batches, Decisions, Outcome, Requests};
use codec::Encode;

#[test]
fn storage_keys_are_the_maps_own_keys() {
	ExtBuilder::default().build_and_execute(|| {
		let [request, batch, requests, decisions] = certificate::storage_keys("Inference", 7, 3);
		assert_eq!(request, Requests::<Test>::hashed_key_for(7));
		assert_eq!(batch, Batches::<Test>::hashed_key_for(3));
		assert_eq!(requests, BatchRequests::<Test>::hashed_key_for(3));
		assert_eq!(decisions, Decisions::<Test>::hashed_key_for(3));
	});
}

#[test]
fn a_certificate_is_rebuilt_from_its_raw_storage_values() {
	ExtBuilder::default().build_and_execute(|| {
		request_n(ALICE, 3);
		run_to_block(2);
		vote_all(0, &[(1, &[4, 5, 6]), (2, &[4, 5, 6]), (3, &[4, 5, 6]), (4, &[4, 9, 6])]);
		let from_api = Inference::certificate(1).unwrap();
		assert_eq!(from_api.outcome, Outcome::Certified(Output::Label(5)));
		assert_eq!(from_api.agreed, vec![0, 1, 2]);
		// Decided by the third vote: the fourth came after and is not in it.
		assert!(from_api.dissented.is_empty());
		assert_eq!(from_api.not_voted, vec![3]);
		assert_eq!(from_api.owners, vec![(0, 1), (1, 2), (2, 3), (3, 4)]);

		// What an offline verifier does with the values a proof holds.
		let raw = |key: &[u8]| frame_support::storage::unhashed::get_raw(key);
		let [k_request, k_batch, k_requests, k_decisions] =
			certificate::storage_keys("Inference", 1, 0);
		let (batch_id, index): (BatchId, u32) =
			codec::Decode::decode(&mut &raw(&k_request).unwrap()[..]).unwrap();
		let batch: crate::BatchOf<Test> =
			codec::Decode::decode(&mut &raw(&k_batch).unwrap()[..]).unwrap();
		let requests: crate::RequestsOf<Test> =
			codec::Decode::decode(&mut &raw(&k_requests).unwrap()[..]).unwrap();
		let decisions: Option<crate::DecisionsOf<Test>> =
			raw(&k_decisions).map(|v| codec::Decode::decode(&mut &v[..]).unwrap());
		let rebuilt = certificate::assemble(
			1,
			batch_id,
			index,
			&batch,
			&requests,
			decisions.as_ref().map(|d| &d[..]),
		);
		assert_eq!(rebuilt, Some(from_api.clone()));

		// A position that holds another request gives no certificate.
		assert_eq!(
			certificate::assemble(
				1,
				batch_id,
				2,
				&batch,
				&requests,
				decisions.as_ref().map(|d| &d[..])
			),
			None
		);
		assert_ne!(from_api.encode(), Inference::certificate(0).unwrap().encode());
	});
}

#[test]
fn pages_of_certificates_skip_pruned_requests_and_are_capped() {
	ExtBuilder::default().build_and_execute(|| {
		// Batches of 4: requests 0..=3, 4..=7, 8.
		request_n(ALICE, 9);
		let page = Inference::certificates(2, 5);
		assert_eq!(page.iter().map(|c| c.request).collect::<Vec<_>>(), vec![2, 3, 4, 5, 6]);
		assert_eq!(page.iter().map(|c| c.batch).collect::<Vec<_>>(), vec![0, 0, 1, 1, 1]);
		for c in &page {
			assert_eq!(Some(c.clone()), Inference::certificate(c.request));
		}
		// Ids past the last request are skipped, not an error.
		assert_eq!(Inference::certificates(8, 100).len(), 1);
		assert_eq!(Inference::certificates(9, 100).len(), 0);
		assert_eq!(Inference::certificates(0, u32::MAX).len(), 9);

		// After retention the whole first block's requests are gone.
		run_to_block(17);
		assert!(Inference::certificates(0, 100).is_empty());
		request_n(ALICE, 1);
		assert_eq!(
			Inference::certificates(0, 100).iter().map(|c| c.request).collect::<Vec<_>>(),
			vec![9]
		);
	});
}
