//! Printing certificates, groups and models as tables, JSON or CSV.

use crate::Format;
use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use dropbear_client::{Certificate, Client, Outcome, Output};

pub fn outcome(o: &Outcome) -> String {
	match o {
		Outcome::Certified(out) => format!("certified {}", output(out)),
		Outcome::NoAgreement => "no agreement".into(),
		Outcome::Expired => "expired".into(),
		Outcome::InputUnavailable => "input unavailable".into(),
		Outcome::Pending => "pending".into(),
	}
}

pub fn output(o: &Output) -> String {
	match o {
		Output::Label(l) => format!("label {l}"),
		other => format!("{other:?}"),
	}
}

fn ids(v: &[u32]) -> String {
	v.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(" ")
}

pub fn table(header: &[&str]) -> Table {
	let mut t = Table::new();
	t.load_preset(UTF8_FULL_CONDENSED).set_header(header.to_vec());
	t
}

pub const CERT_COLUMNS: [&str; 9] = [
	"request",
	"group",
	"block",
	"decided",
	"outcome",
	"agreed",
	"dissented",
	"not voted",
	"versions",
];

pub fn cert_row(c: &Certificate) -> Vec<String> {
	vec![
		c.request.to_string(),
		c.group.to_string(),
		c.ordered_at.to_string(),
		c.decided_at.map(|b| b.to_string()).unwrap_or_default(),
		outcome(&c.outcome),
		ids(&c.agreed),
		ids(&c.dissented),
		ids(&c.not_voted),
		c.versions
			.iter()
			.map(|v| format!("{}:v{}:0x{}", v.model, v.version, hex::encode(&v.digest[..4])))
			.collect::<Vec<_>>()
			.join(" "),
	]
}

pub fn certificates(certs: &[Certificate], format: Format) -> Result<()> {
	match format {
		Format::Json => println!("{}", serde_json::to_string_pretty(certs)?),
		Format::Csv => {
			println!("{}", CERT_COLUMNS.join(","));
			for c in certs {
				println!("{}", cert_row(c).join(","));
			}
		}
		Format::Table => {
			let mut t = table(&CERT_COLUMNS);
			for c in certs {
				t.add_row(cert_row(c));
			}
			println!("{t}");
		}
	}
	Ok(())
}

pub async fn groups(client: &Client, format: Format) -> Result<()> {
	let groups = client.groups().await?;
	let rows: Vec<Vec<String>> = groups
		.iter()
		.map(|(id, g)| {
			vec![
				id.to_string(),
				format!("{:?}", g.task.0),
				format!("{:?} {:?}", g.input.0.dtype, g.input.0.shape.to_vec()),
				format!("{:?}", g.policy.0),
				g.quorum.to_string(),
				g.price.to_string(),
				g.max_batch.to_string(),
				g.members.0.iter().map(|m| m.model.to_string()).collect::<Vec<_>>().join(" "),
			]
		})
		.collect();
	print_rows(
		&["group", "task", "input", "policy", "quorum", "price", "max batch", "member models"],
		rows,
		format,
	)
}

pub async fn models(client: &Client, format: Format) -> Result<()> {
	let models = client.models().await?;
	let rows: Vec<Vec<String>> = models
		.iter()
		.map(|(id, m)| {
			vec![
				id.to_string(),
				String::from_utf8_lossy(&m.name.0).into_owned(),
				m.owner.to_string(),
				m.current.to_string(),
				m.pending
					.as_ref()
					.map(|p| format!("v{} at #{}", p.version, p.active_from))
					.unwrap_or_default(),
				m.worker.as_ref().map(|w| w.to_string()).unwrap_or_default(),
				m.retired.to_string(),
			]
		})
		.collect();
	print_rows(&["model", "name", "owner", "version", "pending", "worker", "retired"], rows, format)
}

pub fn print_rows(header: &[&str], rows: Vec<Vec<String>>, format: Format) -> Result<()> {
	match format {
		Format::Table => {
			let mut t = table(header);
			for r in rows {
				t.add_row(r);
			}
			println!("{t}");
		}
		Format::Csv => {
			println!("{}", header.join(","));
			for r in rows {
				println!(
					"{}",
					r.iter()
						.map(|c| if c.contains(',') { format!("\"{c}\"") } else { c.clone() })
						.collect::<Vec<_>>()
						.join(",")
				);
			}
		}
		Format::Json => {
			let objects: Vec<serde_json::Map<String, serde_json::Value>> = rows
				.into_iter()
				.map(|r| {
					header
						.iter()
						.map(|h| h.to_string())
						.zip(r.into_iter().map(serde_json::Value::String))
						.collect()
				})
				.collect();
			println!("{}", serde_json::to_string_pretty(&objects)?);
		}
	}
	Ok(())
}

/// A member's record in a group, as the chain counts it.
pub async fn member(client: &Client, group: u32, model: u32, format: Format) -> Result<()> {
	let r = client.member_record(group, model).await?;
	let header = [
		"group",
		"model",
		"batches",
		"agreed",
		"dissented",
		"missed",
		"unavailable",
		"unresolved",
		"equivocated",
		"lied",
	];
	let row = vec![
		group.to_string(),
		model.to_string(),
		r.batches.to_string(),
		r.agreed.to_string(),
		r.dissented.to_string(),
		r.missed.to_string(),
		r.unavailable.to_string(),
		r.unresolved.to_string(),
		r.equivocated.to_string(),
		r.lied.to_string(),
	];
	match format {
		Format::Json => {
			println!("{}", serde_json::json!({ "group": group, "model": model, "record": r }));
			Ok(())
		}
		_ => print_rows(&header, vec![row], format),
	}
}
