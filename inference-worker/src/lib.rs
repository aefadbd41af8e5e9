//! The Dropbear worker, which a model owner runs next to its GPU.
//!
//! - [`rpc`]: clients submit input bytes for the group over JSON-RPC.
//! - [`core`]: inputs are checked against the group's input spec, kept by
//!   hash, gossiped to the other members ([`p2p`]) and run at once on the
//!   version serving now (speculation); outputs are cached by
//!   (input hash, version). Inputs from the Open Inference Protocol's doors
//!   ([`oip`], [`grpc`]) are hashed several at once on hashing threads
//!   ([`hasher`]).
//! - [`batcher`]: a bounded queue feeding the model threads of a version (one,
//!   or `--instances` of them, each with its own copy of the model and, on a
//!   GPU, its own CUDA stream: [`cuda`]), which run full batches or what
//!   arrived within `max_wait`.
//! - [`backend`]: the model behind the [`backend::Backend`] trait, made by a
//!   [`backend::Loader`], with typed [`backend::BackendError`]s;
//!   [`tch_backend`] is the TorchScript one.
//! - [`versions`]: the model files by digest; loads the version serving now
//!   and a pending one (before its activation block), unloads the rest.
//! - [`members`]: the group's members and their announced libp2p peers, from
//!   the chain; the worker announces its own and talks to nobody else.
//! - [`voter`]: follows best blocks and votes once per open batch of the
//!   group, never a vote the chain already holds; [`journal`] keeps its
//!   ballots across restarts.
//!
//! The chain is reached only through `dropbear-api` (typed calls, storage and
//! runtime APIs generated from the runtime's metadata).
//! - [`metrics`]: Prometheus counters and histograms.

pub mod backend;
pub mod batcher;
pub mod core;
pub mod cuda;
pub mod grpc;
pub mod hasher;
pub mod inputs;
pub mod journal;
pub mod members;
pub mod metrics;
pub mod oip;
pub mod p2p;
pub mod priority;
pub mod rpc;
pub mod service;
pub mod tch_backend;
pub mod versions;
pub mod voter;

/// The libp2p this worker speaks (peer ids and addresses in its API).
pub use libp2p;
