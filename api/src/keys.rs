//! Signers: a dev name or secret URI (`//Alice`, `//Alice//stash`, a mnemonic
//! with a derivation path) or a key file holding one such line.

use anyhow::{Context, Result};
use std::str::FromStr;
use subxt_signer::{sr25519::Keypair, SecretUri};

/// The sr25519 keypair of `spec`: a secret URI such as `//Alice`, or
/// `@PATH` / a path to an existing file whose first line is one.
pub fn signer(spec: &str) -> Result<Keypair> {
	let path = spec.strip_prefix('@').unwrap_or(spec);
	let from_file = !spec.starts_with("//") && std::path::Path::new(path).is_file();
	let uri = if from_file {
		let text =
			std::fs::read_to_string(path).with_context(|| format!("reading key file {path}"))?;
		text.lines().next().unwrap_or_default().trim().to_string()
	} else {
		spec.to_string()
	};
	let what = || match from_file {
		true => format!("the first line of key file {path} is not a secret URI (like //Alice)"),
		false => format!("{spec:?} is neither a key file nor a secret URI (like //Alice)"),
	};
	let uri = SecretUri::from_str(&uri).map_err(|e| anyhow::anyhow!("{}: {e}", what()))?;
	// A phrase that is not a BIP-39 mnemonic fails here, not in the parse above.
	Keypair::from_uri(&uri).map_err(|e| anyhow::anyhow!("{}: {e}", what()))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::account;

	#[test]
	fn dev_names_and_key_files_give_the_same_account() {
		let alice = signer("//Alice").unwrap();
		let alice_ss58 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		assert_eq!(account(&alice).to_string(), alice_ss58);
		let dir = std::env::temp_dir().join(format!("dropbear-key-{}", std::process::id()));
		std::fs::write(&dir, "//Alice\n").unwrap();
		assert_eq!(account(&signer(dir.to_str().unwrap()).unwrap()), account(&alice));
		std::fs::write(&dir, "not a key\n").unwrap();
		let err = signer(dir.to_str().unwrap()).unwrap_err().to_string();
		assert!(err.contains("the first line of key file"), "{err}");
		std::fs::remove_file(&dir).unwrap();
		for bad in ["not a key", "0x12"] {
			let err = signer(bad).unwrap_err().to_string();
			assert!(err.contains("neither a key file nor a secret URI"), "{bad}: {err}");
		}
	}
}
