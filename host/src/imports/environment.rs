//! `openclaw:bedrock/environment`: the region settings, handed over on purpose.

use super::generated_environment::{Host, RegionEnvironment};
use crate::instance_state::HostState;

impl Host for HostState {
    async fn get_region_environment(&mut self) -> RegionEnvironment {
        (&*self.environment).into()
    }
}
