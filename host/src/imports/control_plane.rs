//! `openclaw:bedrock/control-plane`: the region's raw catalog, fetched and cached by the host.

use super::generated_control_plane::{Catalog, CatalogRequest, Host};
use super::generated_types::ApiError;
use crate::imports::no_bedrock_access;
use crate::instance_state::HostState;

impl Host for HostState {
    async fn list_catalog(&mut self, request: CatalogRequest) -> Result<Catalog, ApiError> {
        let Some(bedrock) = self.bedrock.clone() else {
            return Err(no_bedrock_access().into());
        };
        bedrock.list_catalog(request.into()).await.map(Into::into).map_err(Into::into)
    }
}
