#![allow(clippy::expect_used)]

//! The typed chain interface (`api/`, crate `dropbear-api`) is generated from
//! `api/metadata/dropbear.scale`. This test fails when that file is not the
//! metadata of the runtime in this tree, so the interface never drifts from
//! the chain: after changing a call, an event, a storage item or a runtime
//! API, run `scripts/update-metadata.sh` and commit the new file.

use std::path::PathBuf;

/// The version subxt asks a node for, and the one the file holds.
const METADATA_VERSION: u32 = 16;

fn checked_in() -> PathBuf {
	// From the environment `cargo test` sets, not the path compiled in: a
	// test binary can be reused by another checkout sharing the target directory.
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
		.join("../api/metadata/dropbear.scale")
}

#[test]
fn the_typed_interface_is_generated_from_this_runtimes_metadata() {
	// The contracts pallet reads storage for a default value while it
	// describes its storage, so this needs externalities (empty ones).
	let metadata = sp_io::TestExternalities::new(Default::default()).execute_with(|| {
		dropbear_runtime::Runtime::metadata_at_version(METADATA_VERSION)
			.expect("the runtime serves metadata version 16")
	});
	let path = checked_in();
	if std::env::var_os("DROPBEAR_WRITE_METADATA").is_some() {
		std::fs::write(&path, &*metadata).expect("writing the metadata file");
		eprintln!("wrote {} ({} bytes)", path.display(), metadata.len());
		return;
	}
	let file = std::fs::read(&path).unwrap_or_else(|e| {
		panic!("reading {}: {e}: run scripts/update-metadata.sh", path.display())
	});
	assert!(file.starts_with(b"meta"), "{} is not SCALE RuntimeMetadataPrefixed", path.display());
	assert!(
		file == *metadata,
		"{} is not the metadata of this runtime ({} bytes in the file, {} from the runtime): \
		 run scripts/update-metadata.sh and commit the file",
		path.display(),
		file.len(),
		metadata.len()
	);
}
