//! `openclaw:bedrock/credentials`: descriptions of the host's credentials, never a secret.

use super::generated_credentials::{CredentialDescription, Host, VisibleSource};
use super::generated_types::ApiError;
use crate::imports::no_bedrock_access;
use crate::instance_state::HostState;

impl Host for HostState {
    async fn visible_sources(&mut self) -> Vec<VisibleSource> {
        match &self.bedrock {
            Some(bedrock) => bedrock.visible_sources().into_iter().map(Into::into).collect(),
            None => Vec::new(),
        }
    }

    async fn resolve(&mut self) -> Result<CredentialDescription, ApiError> {
        let Some(bedrock) = self.bedrock.clone() else {
            return Err(no_bedrock_access().into());
        };
        bedrock.resolve_credentials().await.map(Into::into).map_err(Into::into)
    }
}
