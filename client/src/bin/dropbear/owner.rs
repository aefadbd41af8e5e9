//! `dropbear owner ...`: a model owner's extrinsics.

use anyhow::{anyhow, Context, Result};
use dropbear_client::{keys, Client, Event};
use std::{path::PathBuf, str::FromStr};
use subxt::dynamic::Value;

#[derive(clap::Subcommand)]
pub enum Command {
	/// Hold stake as bond (the owner must be admitted by root).
	Bond { amount: u128 },
	/// Start unbonding stake (released after the unbonding period).
	Unbond { amount: u128 },
	/// Register a model; the weights digest is computed from the file, which
	/// stays with you.
	RegisterModel {
		#[arg(long)]
		name: String,
		/// Number of output classes (image classification).
		#[arg(long)]
		classes: u32,
		/// Input shape without the batch dimension, e.g. 1,8,8.
		#[arg(long, value_delimiter = ',', required = true)]
		shape: Vec<u32>,
		#[arg(long, value_parser = ["f32", "u8"], default_value = "f32")]
		dtype: String,
		/// The TorchScript file.
		#[arg(long)]
		file: PathBuf,
	},
	/// Publish a new version of a model (active after the activation delay).
	PublishVersion {
		#[arg(long)]
		model: u32,
		#[arg(long)]
		file: PathBuf,
	},
	/// Authorize the key a worker signs votes with.
	AuthorizeWorker {
		#[arg(long)]
		model: u32,
		/// The worker's SS58 address.
		#[arg(long)]
		worker: String,
	},
	/// Put a model in a group (needs the group's minimum bond).
	JoinGroup {
		#[arg(long)]
		group: u32,
		#[arg(long)]
		model: u32,
	},
}

fn digest_of(file: &PathBuf) -> Result<[u8; 32]> {
	let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
	Ok(dropbear_client::input_hash(&bytes))
}

fn print_events(events: &[Event]) {
	for (pallet, name, fields) in events.iter().filter(|(p, _, _)| p == "Models") {
		println!("{pallet}.{name} {fields}");
	}
}

pub async fn run(client: &Client, key: &str, command: Command) -> Result<()> {
	let signer = keys::signer(key)?;
	let (call, args) = match command {
		Command::Bond { amount } => ("bond", vec![Value::u128(amount)]),
		Command::Unbond { amount } => ("unbond", vec![Value::u128(amount)]),
		Command::RegisterModel { name, classes, shape, dtype, file } => {
			let digest = digest_of(&file)?;
			println!("weights digest 0x{}", hex::encode(digest));
			let dtype = if dtype == "u8" { "U8" } else { "F32" };
			(
				"register_model",
				vec![
					Value::from_bytes(name.as_bytes()),
					Value::named_variant(
						"ImageClassification",
						[("classes", Value::u128(classes.into()))],
					),
					Value::named_composite([
						("dtype", Value::unnamed_variant(dtype, [])),
						(
							"shape",
							Value::unnamed_composite(
								shape.into_iter().map(|d| Value::u128(d.into())),
							),
						),
					]),
					Value::from_bytes(digest),
					Value::unnamed_variant("TorchScript", []),
				],
			)
		}
		Command::PublishVersion { model, file } => {
			let digest = digest_of(&file)?;
			println!("weights digest 0x{}", hex::encode(digest));
			(
				"publish_version",
				vec![
					Value::u128(model.into()),
					Value::from_bytes(digest),
					Value::unnamed_variant("TorchScript", []),
				],
			)
		}
		Command::AuthorizeWorker { model, worker } => {
			let worker = dropbear_client::AccountId::from_str(&worker)
				.map_err(|e| anyhow!("--worker {worker:?} is not an SS58 address: {e}"))?;
			let bytes: [u8; 32] = worker.into();
			("authorize_worker", vec![Value::u128(model.into()), Value::from_bytes(bytes)])
		}
		Command::JoinGroup { group, model } => {
			("join_group", vec![Value::u128(group.into()), Value::u128(model.into())])
		}
	};
	let events = client.submit(&signer, "Models", call, args).await?;
	print_events(&events);
	Ok(())
}
