//! Host implementations of the WIT interfaces the policy imports, one file per interface.

mod environment;
mod log;
