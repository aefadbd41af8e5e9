//! Signers: a dev name or secret URI (`//Alice`, `//Alice//stash`, a mnemonic
//! with a derivation path) or a key file holding one such line.

use anyhow::{Context, Result};
use std::str::FromStr;
use subxt_signer::{sr25519::Keypair, SecretUri};

/// The sr25519 keypair of `spec`: a secret URI such as `//Alice`, or
/// `@PATH` / a path to an existing file whose first line is one.
pub fn signer(spec: &str) -> Result<Keypair> {
	let path = spec.strip_prefix('@').unwrap_or(spec);
	let uri = if !spec.starts_with("//") && std::path::Path::new(path).is_file() {
		let text = std::fs::read_to_string(path).with_context(|| format!("reading key file {path}"))?;
		text.lines().next().unwrap_or_default().trim().to_string()
	} else {
		spec.to_string()
	};
	let uri = SecretUri::from_str(&uri).with_context(|| {
		format!("{spec:?} is neither a secret URI (like //Alice) nor a key file")
	})?;
	Keypair::from_uri(&uri).context("deriving the keypair")
}

/// The account of a keypair.
pub fn account(keypair: &Keypair) -> crate::AccountId {
	crate::AccountId::from(keypair.public_key().0)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dev_names_and_key_files_give_the_same_account() {
		let alice = signer("//Alice").unwrap();
		assert_eq!(account(&alice), sp_keyring::Sr25519Keyring::Alice.to_account_id());
		let dir = std::env::temp_dir().join(format!("dropbear-key-{}", std::process::id()));
		std::fs::write(&dir, "//Alice\n").unwrap();
		assert_eq!(account(&signer(dir.to_str().unwrap()).unwrap()), account(&alice));
		std::fs::remove_file(&dir).unwrap();
		let err = signer("not a key").unwrap_err().to_string();
		assert!(err.contains("neither a secret URI"), "{err}");
	}
}
