//! `dropbear owner ...`: a model owner's extrinsics.

use anyhow::{anyhow, Context, Result};
use dropbear_api::{
	runtime::{self, runtime_types::bounded_collections::bounded_vec::BoundedVec},
	DType, InputSpec, Static, Task, WeightsFormat,
};
use dropbear_client::{keys, AccountId, Client, Included};
use std::{path::PathBuf, str::FromStr};

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

/// The registry's events of an included call.
fn print_events(included: &Included) -> Result<()> {
	for event in included.events.iter() {
		let event = event?;
		if let Ok(runtime::Event::Models(event)) = event.decode_as::<runtime::Event>() {
			println!("Models.{event:?}");
		}
	}
	Ok(())
}

pub async fn run(client: &Client, key: &str, command: Command) -> Result<()> {
	let signer = keys::signer(key)?;
	let models = runtime::tx().models();
	let included = match command {
		Command::Bond { amount } => client.submit(&signer, &models.bond(amount)).await?,
		Command::Unbond { amount } => client.submit(&signer, &models.unbond(amount)).await?,
		Command::RegisterModel { name, classes, shape, dtype, file } => {
			let digest = digest_of(&file)?;
			println!("weights digest 0x{}", hex::encode(digest));
			let dtype = if dtype == "u8" { DType::U8 } else { DType::F32 };
			let shape = shape.try_into().map_err(|_| {
				anyhow!("--shape has more than {} dimensions", dropbear_api::primitives::MAX_DIMS)
			})?;
			let call = models.register_model(
				BoundedVec(name.into_bytes()),
				Static(Task::ImageClassification { classes }),
				Static(InputSpec { dtype, shape }),
				digest,
				Static(WeightsFormat::TorchScript),
			);
			client.submit(&signer, &call).await?
		}
		Command::PublishVersion { model, file } => {
			let digest = digest_of(&file)?;
			println!("weights digest 0x{}", hex::encode(digest));
			let call = models.publish_version(model, digest, Static(WeightsFormat::TorchScript));
			client.submit(&signer, &call).await?
		}
		Command::AuthorizeWorker { model, worker } => {
			let worker = AccountId::from_str(&worker)
				.map_err(|e| anyhow!("--worker {worker:?} is not an SS58 address: {e}"))?;
			client.submit(&signer, &models.authorize_worker(model, worker)).await?
		}
		Command::JoinGroup { group, model } => {
			client.submit(&signer, &models.join_group(group, model)).await?
		}
	};
	print_events(&included)
}
