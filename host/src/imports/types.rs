//! `openclaw:bedrock/types`: data only, nothing to implement beyond the marker trait.

use crate::bindings::generated_types::Host;
use crate::state::HostState;

impl Host for HostState {}
