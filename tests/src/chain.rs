//! Talking to the chain as its users do: signed extrinsics and storage reads
//! through subxt (dynamic, from the node's own metadata), and reading who
//! authored a block from its BABE pre-runtime digest.

use anyhow::{anyhow, bail, Context, Result};
use subxt::{
	dynamic::{self, Value},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// A subxt client of a node.
pub type Api = OnlineClient<PolkadotConfig>;

/// Connect subxt to a node's plain `ws://` endpoint.
pub async fn connect(url: &str) -> Result<Api> {
	Api::from_insecure_url(url).await.with_context(|| format!("subxt connecting to {url}"))
}

/// A dynamic call, as a value that can be nested in another call (`sudo`).
pub fn call(pallet: &str, name: &str, args: Vec<Value>) -> Value {
	Value::unnamed_variant(pallet, [Value::unnamed_variant(name, args)])
}

/// Events of one extrinsic: (pallet, event, fields).
pub type Events = Vec<(String, String, Value)>;

/// Sign `pallet.name(args)` with `signer`, submit it, wait until it is in a
/// finalized block, and return its events, or the chain's error (named
/// `Pallet::Error` by subxt) when it failed.
pub async fn submit(
	api: &Api,
	signer: &Keypair,
	pallet: &str,
	name: &str,
	args: Vec<Value>,
) -> Result<Events> {
	let payload = dynamic::tx(pallet, name, Value::unnamed_composite(args));
	let at = api.at_current_block().await?;
	let events = at
		.transactions()
		.sign_and_submit_then_watch_default(&payload, signer)
		.await
		.with_context(|| format!("submitting {pallet}.{name}"))?
		.wait_for_finalized_success()
		.await
		.with_context(|| format!("{pallet}.{name} did not succeed"))?;
	let mut out = Vec::new();
	for event in events.iter() {
		let event = event?;
		let fields = event.decode_fields_unchecked_as::<Value>()?;
		out.push((event.pallet_name().to_string(), event.event_name().to_string(), fields));
	}
	Ok(out)
}

/// A storage value at the best finalized block, decoded as a `Value`.
pub async fn storage(
	api: &Api,
	pallet: &str,
	entry: &str,
	keys: Vec<Value>,
) -> Result<Option<Value>> {
	let addr = dynamic::storage::<Vec<Value>, Value>(pallet, entry);
	let at = api.at_current_block().await?;
	match at.storage().try_fetch(addr, keys).await? {
		Some(v) => Ok(Some(v.decode()?)),
		None => Ok(None),
	}
}

/// A runtime API call (`Trait_method`) at the best block, decoded as a `Value`.
pub async fn runtime_call(
	api: &Api,
	api_trait: &str,
	method: &str,
	args: Vec<Value>,
) -> Result<Value> {
	let payload = dynamic::runtime_api_call::<_, Value>(api_trait, method, args);
	let at = api.at_current_block().await?;
	at.runtime_apis()
		.call(payload)
		.await
		.with_context(|| format!("runtime API {api_trait}_{method}"))
}

/// The free and held balance of an account at the best block.
pub async fn balance(api: &Api, account: [u8; 32]) -> Result<(u128, u128)> {
	let addr = dynamic::storage::<Vec<Value>, Value>("System", "Account");
	let at = api.at_current_block().await?;
	let Some(info) = at.storage().try_fetch(addr, vec![Value::from_bytes(account)]).await? else {
		return Ok((0, 0));
	};
	let info: Value = info.decode()?;
	Ok((account_data(&info, "free")?, account_data(&info, "reserved")?))
}

/// A balance field (`free`, `reserved`) of a decoded `System.Account` entry.
fn account_data(info: &Value, field: &str) -> Result<u128> {
	use subxt::dynamic::At;
	info.at("data")
		.and_then(|d| d.at(field))
		.and_then(|v| v.as_u128())
		.ok_or_else(|| anyhow!("no data.{field} in {info}"))
}

/// `sudo.sudo(inner)` signed by the root key, and check that the inner call
/// itself succeeded (sudo succeeds even when its call fails).
pub async fn sudo(api: &Api, root: &Keypair, inner: Value) -> Result<()> {
	let events = submit(api, root, "Sudo", "sudo", vec![inner]).await?;
	let (_, _, fields) = events
		.iter()
		.find(|(pallet, event, _)| pallet == "Sudo" && event == "Sudid")
		.ok_or_else(|| anyhow!("no Sudo.Sudid event"))?;
	let text = fields.to_string();
	if text.contains("Err") {
		bail!("the call under sudo failed: {text}");
	}
	Ok(())
}

/// A 32-byte account id as a `MultiAddress::Id` value.
pub fn address(account: [u8; 32]) -> Value {
	Value::unnamed_variant("Id", [Value::from_bytes(account)])
}

/// The session pallet's current validators, at the given block (best when None).
pub async fn session_validators(
	api: &Api,
	at: Option<subxt::utils::H256>,
) -> Result<Vec<[u8; 32]>> {
	let client = match at {
		Some(hash) => api.at_block(hash).await?,
		None => api.at_current_block().await?,
	};
	let addr = dynamic::storage::<(), Vec<[u8; 32]>>("Session", "Validators");
	Ok(client.storage().fetch(addr, ()).await?.decode()?)
}

/// The BABE authorities (public keys) of the epoch the given block is in.
pub async fn babe_authorities(api: &Api, at: subxt::utils::H256) -> Result<Vec<[u8; 32]>> {
	let addr = dynamic::storage::<(), Vec<([u8; 32], u64)>>("Babe", "Authorities");
	let list = api.at_block(at).await?.storage().fetch(addr, ()).await?.decode()?;
	Ok(list.into_iter().map(|(key, _)| key).collect())
}

/// The BABE authority index in a header's pre-runtime digest, from the hex
/// digest items that `chain_getHeader` returns.
///
/// A digest item `PreRuntime(*b"BABE", data)` encodes as `0x06`, the engine id,
/// then `data` with a compact length prefix; `data` is a `PreDigest` whose
/// variants (primary, secondary plain, secondary VRF) all start with the
/// authority index as a little-endian u32.
pub fn babe_author_index(digest_logs: &[String]) -> Option<u32> {
	for log in digest_logs {
		let bytes = hex::decode(log.trim_start_matches("0x")).ok()?;
		let Some(rest) = bytes.strip_prefix(&[6u8, b'B', b'A', b'B', b'E'][..]) else { continue };
		let prefix_len = match rest.first()? & 0b11 {
			0 => 1,
			1 => 2,
			2 => 4,
			_ => return None,
		};
		let data = rest.get(prefix_len..)?;
		let index = data.get(1..5)?;
		return Some(u32::from_le_bytes(index.try_into().ok()?));
	}
	None
}

/// The money on chain at one block: total issuance, and the sum over every
/// account of its free and reserved (held) balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ledger {
	pub block: u32,
	pub issuance: u128,
	pub accounts: u128,
}

/// The ledger at block `number` (its state must still be kept by the node).
pub async fn ledger_at(api: &Api, number: u32) -> Result<Ledger> {
	let at = api.at_block(number).await?;
	let issuance: Value = at
		.storage()
		.fetch(dynamic::storage::<Vec<Value>, Value>("Balances", "TotalIssuance"), vec![])
		.await?
		.decode()?;
	let issuance = issuance.as_u128().ok_or_else(|| anyhow!("TotalIssuance is {issuance}"))?;
	let mut accounts = 0u128;
	let mut iter = at
		.storage()
		.iter(dynamic::storage::<Vec<Value>, Value>("System", "Account"), Vec::<Value>::new())
		.await?;
	while let Some(kv) = iter.next().await {
		let info: Value = kv?.value().decode()?;
		accounts += account_data(&info, "free")? + account_data(&info, "reserved")?;
	}
	Ok(Ledger { block: number, issuance, accounts })
}

/// Transaction fees (burned by this runtime) and equivocation slashes in
/// blocks `from + 1 ..= to`.
pub async fn fees_and_slashes(api: &Api, from: u32, to: u32) -> Result<(u128, u128)> {
	use subxt::dynamic::At;
	let (mut fees, mut slashes) = (0u128, 0u128);
	for number in from + 1..=to {
		let events = api.at_block(number).await?.events().fetch().await?;
		for event in events.iter() {
			let event = event?;
			let (pallet, name) = (event.pallet_name(), event.event_name());
			let field = |f: &str| -> Result<u128> {
				let fields = event.decode_fields_unchecked_as::<Value>()?;
				fields
					.at(f)
					.and_then(|v| v.as_u128())
					.ok_or_else(|| anyhow!("{pallet}.{name} has no {f}"))
			};
			match (pallet, name) {
				("TransactionPayment", "TransactionFeePaid") => fees += field("actual_fee")?,
				("Inference", "Equivocated") => slashes += field("slashed")?,
				_ => {}
			}
		}
	}
	Ok((fees, slashes))
}

/// The ledger check every end-to-end test ends with: at the finalized head,
/// every unit of the issuance is in some account (free or held), and the
/// issuance fell from `start` by exactly the fees and slashes in between.
pub async fn check_ledger(api: &Api, start: Ledger) -> Result<Ledger> {
	let end = ledger_now(api).await?;
	let end_number = end.block;
	if end.accounts != end.issuance {
		bail!(
			"at #{end_number} accounts hold {} but the issuance is {}",
			end.accounts,
			end.issuance
		);
	}
	let (fees, slashes) = fees_and_slashes(api, start.block, end_number).await?;
	if start.issuance.checked_sub(fees + slashes) != Some(end.issuance) {
		bail!(
			"issuance went from {} (#{}) to {} (#{end_number}), but fees {fees} and slashes {slashes} account for {}",
			start.issuance,
			start.block,
			end.issuance,
			start.issuance.saturating_sub(fees + slashes)
		);
	}
	Ok(end)
}

/// The ledger at the finalized head: where a test's money accounting starts.
pub async fn ledger_now(api: &Api) -> Result<Ledger> {
	let number = api.at_current_block().await?.block_number() as u32;
	ledger_at(api, number).await
}
