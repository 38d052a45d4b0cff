//! `openclaw:bedrock/types`: data only, nothing to implement beyond the marker trait.

use super::generated_types::Host;
use crate::instance_state::HostState;

impl Host for HostState {}
