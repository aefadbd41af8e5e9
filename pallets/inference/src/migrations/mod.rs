//! Storage migrations of `pallet-inference`, one module per storage version.
//!
//! A runtime lists the migrations it needs in its `Executive`. Each is a
//! [`frame_support::migrations::VersionedMigration`]: it runs only when the
//! pallet's on-chain storage version is the one it starts from, and bumps it,
//! so listing one twice, or keeping it listed after it ran, is harmless.

pub mod v2;
pub mod v3;
