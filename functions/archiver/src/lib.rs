//! The archiver's shared library: the pure domain model, settings, the Zoom client and the AWS
//! adapters. Every Lambda binary in `functions/` is a thin `main` over this crate.
//!
//! - [`domain`]: meeting uuids, the webhook and REST recording models, secrets. Imports no AWS or
//!   HTTP crate, so it is tested with plain values.
//! - [`settings`]: every environment variable, read and validated once at start-up.
//! - [`zoom`]: Server-to-Server OAuth and the REST client with bounded, typed retries.
//! - [`aws`]: SDK clients that honour the standard endpoint variables (the local stack uses them).
//! - [`bucket`] and [`table`]: the archive's S3 documents and DynamoDB items.
//! - [`telemetry`]: structured logging set-up shared by the binaries.
//! - [`errors`]: every error name the functions return, and which a retry may cure.
//! - [`pipeline`]: the messages between the ingest state machine's states, and [`pipeline::StepError`].
//! - [`workflow`]: starting ingest executions (a port and its Step Functions adapter).
//! - [`operations`]: what the operations functions share.
//! - [`lambda`]: the one entry point of the functions (decode, deadline, typed answer).

pub mod aws;
pub mod bucket;
pub mod domain;
pub mod errors;
pub mod lambda;
pub mod notify;
pub mod operations;
pub mod pipeline;
pub mod settings;
pub mod table;
pub mod telemetry;
pub mod transfer;
pub mod workflow;
pub mod zoom;
