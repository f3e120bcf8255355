//! The fault matrix (`scripts/chaos`): recordings of mixed sizes and types sent through the
//! whole local pipeline while Zoom and S3 misbehave, then every recording checked: each file
//! byte-identical in S3, one ARCHIVED or TRASHED item, no object twice, no multipart upload
//! left open, and no trash call for a recording that is not fully verified.
//!
//! - [`plan`]: the recordings and their groups, one per kind of trouble, from a seed;
//! - [`inject`]: arming each trouble (zoom-sim faults, tools/s3-fault-proxy faults, switches)
//!   and counting the faults that hit;
//! - [`run`]: webhooks out, executions waited for, group after group;
//! - [`operator`]: the group of forged inputs and operator mistakes;
//! - [`check`]: the verdict on each recording; [`report`]: the table and the JSON.

pub mod check;
pub mod inject;
pub mod operator;
pub mod plan;
pub mod report;
pub mod run;
