//! The Dropbear worker, which a model owner runs next to its GPU.
//!
//! - [`rpc`]: clients submit input bytes for the group over JSON-RPC.
//! - [`core`]: inputs are checked against the group's input spec, kept by
//!   hash, gossiped to the other members ([`p2p`]) and run at once on the
//!   version serving now (speculation); outputs are cached by
//!   (input hash, version).
//! - [`batcher`]: a bounded queue feeding one model thread per version, which
//!   runs full batches or what arrived within `max_wait`.
//! - [`tch_backend`]: the TorchScript model behind the [`backend::Backend`]
//!   trait.
//! - [`chain`]: follows best blocks, loads versions (a pending one before its
//!   activation block), and votes once per open batch of the group.
//! - [`metrics`]: Prometheus counters and histograms.

pub mod backend;
pub mod batcher;
pub mod chain;
pub mod core;
pub mod inputs;
pub mod metrics;
pub mod p2p;
pub mod rpc;
pub mod service;
pub mod tch_backend;
