//! The runtime's contract path, natively: the example dApp (contracts/
//! DigitBounty.sol, compiled by `scripts/build-contracts.sh`) deployed as EVM
//! bytecode on the `local_testnet` genesis, ordering inference through the
//! precompile as a client, settled on the certificate the demo group's
//! workers make; with its bad inputs. Also the runtime's integrity checks
//! (the contracts pallet checks its limits against the block's there).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

use dropbear_runtime::{
	genesis_config_presets::{eth_account, local_testnet_genesis, DEMO_WORKERS, ETH_DEV_ACCOUNTS},
	AccountId, AllPalletsWithSystem, Balance, Balances, Inference, Revive, Runtime,
	RuntimeGenesisConfig, RuntimeOrigin, System, UNIT,
};
use frame_support::{
	assert_ok,
	traits::{
		fungible::{Inspect, InspectHold},
		Hooks, IntegrityTest,
	},
	weights::Weight,
};
use pallet_revive::{
	precompiles::alloy::{
		self,
		primitives::{Address, FixedBytes},
		sol_types::{Revert, SolCall, SolError, SolValue},
	},
	AddressMapper, Code, ExecConfig, ExecReturnValue, TransactionLimits, H160, U256,
};
use sp_runtime::BuildStorage;

alloy::sol! {
	/// What the test calls of contracts/DigitBounty.sol.
	interface IDigitBounty {
		function claim(bytes32 inputHash) external payable returns (uint64 requestId);
		function settle(uint64 requestId) external;
		function winner() external view returns (address);
		function reward() external view returns (uint256);
	}
}

/// Wei per planck (`NativeToEthRatio`).
const WEI: u128 = 1_000_000;

/// The `local_testnet` preset merged over the default genesis, as the node's
/// chain spec builder does.
fn local_testnet_ext() -> sp_io::TestExternalities {
	fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
		match (base, patch) {
			(serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
				for (k, v) in p {
					merge(b.entry(k).or_insert(serde_json::Value::Null), v);
				}
			}
			(b, p) => *b = p,
		}
	}
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, local_testnet_genesis());
	let config: RuntimeGenesisConfig = serde_json::from_value(config).unwrap();
	let mut ext = sp_io::TestExternalities::new(config.build_storage().unwrap());
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(1_000_000);
	});
	ext
}

fn bytecode(name: &str) -> Vec<u8> {
	// From the environment `cargo test` sets, not the path compiled in: a
	// test binary can be reused by another checkout sharing the target directory.
	let root = std::env::var("CARGO_MANIFEST_DIR")
		.unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
	let path = format!("{root}/../contracts/build/{name}.json");
	let text = std::fs::read_to_string(&path)
		.unwrap_or_else(|e| panic!("{path}: {e} (run scripts/build-contracts.sh)"));
	let json: serde_json::Value = serde_json::from_str(&text).unwrap();
	let hex = json["bytecode"].as_str().unwrap().trim_start_matches("0x");
	(0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

fn limits() -> TransactionLimits<Runtime> {
	TransactionLimits::WeightAndDeposit {
		weight_limit: Weight::from_parts(500_000_000_000, 10_000_000),
		deposit_limit: 100 * UNIT,
	}
}

fn deploy(by: &AccountId, value: Balance, args: Vec<u8>) -> Result<H160, String> {
	let mut code = bytecode("DigitBounty");
	code.extend(args);
	let out = Revive::bare_instantiate(
		RuntimeOrigin::signed(by.clone()),
		U256::from(value * WEI),
		limits(),
		Code::Upload(code),
		vec![],
		None,
		&ExecConfig::new_substrate_tx(),
	);
	let out = out.result.map_err(|e| format!("{e:?}"))?;
	if out.result.did_revert() {
		return Err(reason(&out.result));
	}
	Ok(out.addr)
}

/// A call and the storage deposit it charged its caller.
fn call_charged(
	by: &AccountId,
	to: H160,
	value: Balance,
	data: Vec<u8>,
) -> (ExecReturnValue, Balance) {
	let out = Revive::bare_call(
		RuntimeOrigin::signed(by.clone()),
		to,
		U256::from(value * WEI),
		limits(),
		data,
		&ExecConfig::new_substrate_tx(),
	);
	(
		out.result.expect("the call runs (a revert is a result)"),
		out.storage_deposit.charge_or_zero(),
	)
}

fn call(by: &AccountId, to: H160, value: Balance, data: Vec<u8>) -> ExecReturnValue {
	call_charged(by, to, value, data).0
}

fn reason(out: &ExecReturnValue) -> String {
	assert!(out.did_revert(), "expected a revert");
	Revert::abi_decode(&out.data).map(|r| r.reason).unwrap_or_else(|_| format!("{:?}", out.data))
}

fn account_of(address: H160) -> AccountId {
	<Runtime as pallet_revive::Config>::AddressMapper::to_account_id(&address)
}

/// Move to the next block, closing what is due (the inference pallet's hook).
fn next_block() {
	let next = System::block_number() + 1;
	System::set_block_number(next);
	<Inference as Hooks<u32>>::on_initialize(next);
}

/// Every demo worker commits to, then reveals, its labels for the requests
/// of `batch`: `labels[r][m]` is model `m`'s label for request `r` (the demo
/// models are version 1).
fn vote(batch: u64, labels: &[[u32; 4]]) {
	let outputs = |model: usize| -> Vec<dropbear_primitives::Output> {
		labels.iter().map(|r| dropbear_primitives::Output::Label(r[model])).collect()
	};
	for (model, worker) in DEMO_WORKERS.iter().enumerate() {
		let salt = [model as u8 + 1; 32];
		let digest = dropbear_primitives::inference::commitment(
			batch,
			model as u32,
			1,
			&outputs(model),
			&salt,
		);
		let requests = pallet_inference::RequestsDigests::<Runtime>::get(batch).unwrap();
		assert_ok!(Inference::commit_for_requests(
			RuntimeOrigin::signed(AccountId::from(*worker)),
			batch,
			requests,
			digest
		));
	}
	next_block();
	for (model, worker) in DEMO_WORKERS.iter().enumerate() {
		assert_ok!(Inference::reveal(
			RuntimeOrigin::signed(AccountId::from(*worker)),
			batch,
			1,
			outputs(model),
			[model as u8 + 1; 32]
		));
	}
}

#[test]
fn the_runtime_passes_its_integrity_checks() {
	local_testnet_ext().execute_with(|| {
		<AllPalletsWithSystem as IntegrityTest>::integrity_test();
	});
}

#[test]
fn the_hardhat_accounts_are_funded_and_map_to_their_addresses() {
	local_testnet_ext().execute_with(|| {
		for address in ETH_DEV_ACCOUNTS {
			let account = eth_account(address);
			assert!(Balances::balance(&account) > 0);
			assert_eq!(
				<Runtime as pallet_revive::Config>::AddressMapper::to_address(&account).0,
				address
			);
			assert_eq!(account_of(H160(address)), account);
		}
	});
}

#[test]
fn every_account_has_an_address_also_after_an_upgrade() {
	use frame_support::traits::OnRuntimeUpgrade;
	type Mapper = <Runtime as pallet_revive::Config>::AddressMapper;
	local_testnet_ext().execute_with(|| {
		let alice = sp_keyring::Sr25519Keyring::Alice.to_account_id();
		let worker = AccountId::from(DEMO_WORKERS[0]);
		// Genesis accounts are mapped as they are created (AutoMap).
		assert!(Mapper::is_mapped(&alice) && Mapper::is_mapped(&worker));
		assert_eq!(account_of(Mapper::to_address(&alice)), alice);

		// As on a chain that ran a runtime without contracts: not mapped, so
		// the address leads to another account.
		for who in [&alice, &worker] {
			assert_ok!(Mapper::unmap(who));
		}
		assert!(!Mapper::is_mapped(&alice));
		assert_ne!(account_of(Mapper::to_address(&alice)), alice);

		dropbear_runtime::configs::MapExistingAccounts::on_runtime_upgrade();
		for who in [&alice, &worker] {
			assert!(Mapper::is_mapped(who));
			assert_eq!(&account_of(Mapper::to_address(who)), who);
		}
		// A second upgrade finds nothing to do.
		dropbear_runtime::configs::MapExistingAccounts::on_runtime_upgrade();
		assert_eq!(account_of(Mapper::to_address(&alice)), alice);
	});
}

#[test]
fn a_bounty_contract_settles_on_the_certificate() {
	local_testnet_ext().execute_with(|| {
		let sponsor = eth_account(ETH_DEV_ACCOUNTS[0]);
		let claimant = eth_account(ETH_DEV_ACCOUNTS[1]);
		let loser = eth_account(ETH_DEV_ACCOUNTS[2]);
		let reward = 50 * UNIT;
		let price = dropbear_runtime::genesis_config_presets::DEMO_PRICE;

		// Bad deployments: no reward, a target that is not a class.
		assert_eq!(
			deploy(&sponsor, 0, (0u32, 7u32).abi_encode_params()).unwrap_err(),
			"fund the reward"
		);
		assert_eq!(
			deploy(&sponsor, reward, (0u32, 10u32).abi_encode_params()).unwrap_err(),
			"target is not a class of the group's task"
		);
		assert_eq!(
			deploy(&sponsor, reward, (9u32, 7u32).abi_encode_params()).unwrap_err(),
			"unknown group"
		);
		let bounty = deploy(&sponsor, reward, (0u32, 7u32).abi_encode_params()).unwrap();
		let bounty_account = account_of(bounty);
		// The reward, and the existential deposit the contracts pallet gives
		// every contract account (from the deployer).
		assert_eq!(
			Balances::balance(&bounty_account),
			reward + dropbear_runtime::EXISTENTIAL_DEPOSIT
		);

		// A claim without the price is refused and costs nothing.
		let before = Balances::balance(&claimant);
		let claim =
			|input: [u8; 32]| IDigitBounty::claimCall { inputHash: FixedBytes(input) }.abi_encode();
		assert_eq!(
			reason(&call(&claimant, bounty, price - 1, claim([7; 32]))),
			"send the group's price"
		);
		assert_eq!(Balances::balance(&claimant), before);

		// Two claims: the contract is the client and pays the price from the
		// value sent (any excess goes back).
		let (won, deposit) = call_charged(&claimant, bounty, price + UNIT, claim([7; 32]));
		assert!(!won.did_revert(), "claim reverted: {}", reason(&won));
		let won = IDigitBounty::claimCall::abi_decode_returns(&won.data).unwrap();
		let lost = call(&loser, bounty, price, claim([3; 32]));
		let lost = IDigitBounty::claimCall::abi_decode_returns(&lost.data).unwrap();
		// The price, and the deposit for the claim the contract stores.
		assert!(deposit > 0);
		assert_eq!(Balances::balance(&claimant), before - price - deposit);
		let (batch, _) = pallet_inference::Requests::<Runtime>::get(won).unwrap();
		let entries = pallet_inference::BatchRequests::<Runtime>::get(batch);
		assert!(entries.iter().all(|e| e.client == bounty_account), "the contract is the client");
		assert_eq!(
			Balances::balance_on_hold(&pallet_inference::HoldReason::Fee.into(), &bounty_account),
			2 * price
		);

		// Not decided yet.
		let settle = |id: u64| IDigitBounty::settleCall { requestId: id }.abi_encode();
		assert_eq!(reason(&call(&claimant, bounty, 0, settle(won))), "not decided yet");
		assert_eq!(reason(&call(&claimant, bounty, 0, settle(99))), "no such claim");

		// The four demo members vote: 7 for the first input (three agree, one
		// says 1), and no quorum on the second (2, 2, 5, 5).
		next_block();
		let n = pallet_inference::Batches::<Runtime>::get(batch).unwrap().len;
		assert_eq!(n, 2, "both claims are in one batch");
		vote(batch, &[[7, 7, 7, 1], [2, 2, 5, 5]]);
		let cert = Inference::certificate(won).unwrap();
		assert!(matches!(
			cert.outcome,
			dropbear_primitives::inference::Outcome::Certified(dropbear_primitives::Output::Label(
				7
			))
		));

		let claimant_before = Balances::balance(&claimant);
		let out = call(&loser, bounty, 0, settle(won));
		assert!(!out.did_revert(), "settle reverted: {}", reason(&out));
		assert_eq!(Balances::balance(&claimant), claimant_before + reward, "the winner is paid");
		let winner = call(&loser, bounty, 0, IDigitBounty::winnerCall {}.abi_encode());
		let winner: Address = IDigitBounty::winnerCall::abi_decode_returns(&winner.data).unwrap();
		assert_eq!(winner.0 .0, ETH_DEV_ACCOUNTS[1]);
		assert_eq!(reason(&call(&loser, bounty, 0, settle(won))), "already settled");
		// Later claims are refused: the bounty is won.
		assert_eq!(
			reason(&call(&loser, bounty, price, claim([1; 32]))),
			"the bounty is already won"
		);

		// No agreement on the second input: the chain refunded the price to
		// the contract, which passes it back to the claimant.
		let lost_cert = Inference::certificate(lost).unwrap();
		assert_eq!(lost_cert.outcome, dropbear_primitives::inference::Outcome::NoAgreement);
		assert_eq!(
			reason(&call(&claimant, bounty, 0, settle(lost))),
			"the refund comes when the batch closes: settle then"
		);
		let deadline = pallet_inference::Batches::<Runtime>::get(batch).unwrap().deadline;
		while System::block_number() <= deadline {
			next_block();
		}
		assert!(pallet_inference::Batches::<Runtime>::get(batch).unwrap().closed);
		let loser_before = Balances::balance(&loser);
		let out = call(&claimant, bounty, 0, settle(lost));
		assert!(!out.did_revert(), "settle reverted: {}", reason(&out));
		assert_eq!(Balances::balance(&loser), loser_before + price);
		assert_eq!(
			Balances::balance_on_hold(&pallet_inference::HoldReason::Fee.into(), &bounty_account),
			0
		);
	});
}
