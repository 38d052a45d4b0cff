//! The control-plane catalog of a region (BEHAVIOUR.md 5.2): `ListFoundationModels` (no
//! server-side filter) and every page of `ListInferenceProfiles` (all types, so application
//! profiles come too), both at once, each under its own deadline, through the cached SDK client
//! with the resolved credentials (bearer token or SigV4, as for every other call).
//!
//! Enum-like fields are passed on as the strings Bedrock sent (`as_str()`), never matched
//! against the SDK's known variants: real responses carry values newer than the SDK's enums.
//! Either call failing, or any later page, fails the whole fetch: a partial catalog is an error.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_bedrock::types::{FoundationModelSummary, InferenceProfileSummary};

use super::Bedrock;
use super::catalog_disk::CacheKey;
use super::credentials::visible_sources;
use super::deadline::Deadline;
use super::errors::api_error;
use super::model::{ApiError, Catalog, CatalogRequest, ErrorClass, FoundationModelRecord, InferenceProfileRecord};

/// Time allowed to each of the two listings (for the profiles: every page together).
pub const CATALOG_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Most `ListInferenceProfiles` pages followed: a guard against a service that never stops
/// handing out tokens (at the default page size this is far beyond any real account).
const MAX_PROFILE_PAGES: usize = 1000;

impl Bedrock {
    /// The region's raw catalog: from the cache when fresh enough, else fetched (see
    /// [`super::catalog_cache`] for the semantics, stale serving included).
    pub async fn list_catalog(&self, request: CatalogRequest) -> Result<Catalog, ApiError> {
        let region = request.region.trim();
        if region.is_empty() {
            return Err(api_error(ErrorClass::Format, None, "the catalog request names no region".into(), None));
        }
        let request = CatalogRequest { region: region.to_string(), ..request };
        let key = self.catalog_key(&request.region);
        self.inner.catalog.get(&key, &request, || self.fetch_catalog(&request.region)).await
    }

    /// The cache key of a region's catalog: the region, the control-plane endpoint in use and
    /// the identity, found without a network call (a cache hit must not need one).
    fn catalog_key(&self, region: &str) -> CacheKey {
        let endpoint = self.inner.clients.endpoint_override("Bedrock").unwrap_or_else(|| "default".to_string());
        CacheKey::new(region, &endpoint, &self.catalog_identity())
    }

    /// Who is asking, without a secret: a SHA-256 prefix of the bearer token, the environment's
    /// access key id, else the credential source (profile name and file, role). Temporary
    /// credentials (SSO, roles, containers, IMDS) are named by their source rather than by their
    /// key id, which would take a network call to learn and changes with every rotation.
    fn catalog_identity(&self) -> String {
        let env = &self.inner.env;
        if let Some(token) = &self.inner.bearer_token {
            return token.identity();
        }
        if let (Some(key_id), true) = (env.get("AWS_ACCESS_KEY_ID"), env.is_set("AWS_SECRET_ACCESS_KEY")) {
            return format!("access-key:{}", key_id.trim());
        }
        let source = visible_sources(env).into_iter().next().map(|s| s.description).unwrap_or_else(|| "instance profile".into());
        format!("source:{source};role:{}", env.get("AWS_ROLE_ARN").unwrap_or_default())
    }

    /// Fetches the region's catalog now, bypassing the cache: both listings at once.
    pub async fn fetch_catalog(&self, region: &str) -> Result<Catalog, ApiError> {
        let client = self.control_client(region);
        let timeout = self.inner.catalog_timeout;
        let (models, profiles) = tokio::try_join!(self.list_models(&client, timeout), self.list_profiles(&client, timeout))?;
        tracing::debug!(region, models = models.len(), profiles = profiles.len(), "catalog fetched");
        Ok(Catalog { region: region.to_string(), models, profiles, fetched_at: unix_seconds(SystemTime::now()), stale: false, stale_reason: None })
    }

    async fn list_models(&self, client: &aws_sdk_bedrock::Client, timeout: Duration) -> Result<Vec<FoundationModelRecord>, ApiError> {
        let deadline = Deadline::after(timeout, "ListFoundationModels");
        let output = deadline.send(client.list_foundation_models().send(), self.secrets()).await?;
        Ok(output.model_summaries().iter().map(model_record).collect())
    }

    async fn list_profiles(&self, client: &aws_sdk_bedrock::Client, timeout: Duration) -> Result<Vec<InferenceProfileRecord>, ApiError> {
        // One deadline for every page: the listing as a whole is what the caller waits for.
        let deadline = Deadline::after(timeout, "ListInferenceProfiles");
        let mut profiles = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PROFILE_PAGES {
            let call = client.list_inference_profiles().set_next_token(token.clone()).send();
            let output = deadline.send(call, self.secrets()).await?;
            profiles.extend(output.inference_profile_summaries().iter().map(profile_record));
            match output.next_token().filter(|t| !t.is_empty()) {
                None => return Ok(profiles),
                // The same token again would loop forever; the listing cannot be trusted whole.
                Some(next) if token.as_deref() == Some(next) => {
                    return Err(api_error(ErrorClass::Unknown, None, "ListInferenceProfiles returned the same nextToken twice".into(), None));
                }
                Some(next) => token = Some(next.to_string()),
            }
        }
        Err(api_error(ErrorClass::Unknown, None, format!("ListInferenceProfiles did not end within {MAX_PROFILE_PAGES} pages"), None))
    }
}

/// Seconds since the Unix epoch (0 for a clock before it).
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn strings<T>(values: &[T], as_str: fn(&T) -> &str) -> Vec<String> {
    values.iter().map(|v| as_str(v).to_string()).collect()
}

/// A foundation model summary as a record, enum-like fields as sent.
fn model_record(summary: &FoundationModelSummary) -> FoundationModelRecord {
    FoundationModelRecord {
        model_id: summary.model_id().to_string(),
        model_arn: summary.model_arn().to_string(),
        model_name: summary.model_name().unwrap_or_default().to_string(),
        provider_name: summary.provider_name().unwrap_or_default().to_string(),
        input_modalities: strings(summary.input_modalities(), |m| m.as_str()),
        output_modalities: strings(summary.output_modalities(), |m| m.as_str()),
        response_streaming_supported: summary.response_streaming_supported(),
        customizations_supported: strings(summary.customizations_supported(), |c| c.as_str()),
        inference_types_supported: strings(summary.inference_types_supported(), |t| t.as_str()),
        lifecycle_status: summary.model_lifecycle().map(|l| l.status().as_str().to_string()),
    }
}

/// An inference profile summary as a record: model ARNs in the order sent (the first is the
/// base model).
fn profile_record(summary: &InferenceProfileSummary) -> InferenceProfileRecord {
    InferenceProfileRecord {
        id: summary.inference_profile_id().to_string(),
        arn: summary.inference_profile_arn().to_string(),
        name: summary.inference_profile_name().to_string(),
        description: summary.description().map(str::to_string),
        status: summary.status().as_str().to_string(),
        profile_type: summary.r#type().as_str().to_string(),
        model_arns: summary.models().iter().filter_map(|m| m.model_arn()).map(str::to_string).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_bedrock::types::{
        FoundationModelLifecycle, FoundationModelLifecycleStatus, InferenceProfileModel, InferenceProfileStatus, InferenceProfileType, InferenceType,
        ModelModality,
    };

    #[test]
    fn unknown_enum_values_pass_through_as_sent() {
        let summary = FoundationModelSummary::builder()
            .model_arn("arn:aws:bedrock:us-east-1::foundation-model/x.y-v1:0")
            .model_id("x.y-v1:0")
            .input_modalities(ModelModality::from("VIDEO"))
            .input_modalities(ModelModality::Text)
            .output_modalities(ModelModality::Text)
            .inference_types_supported(InferenceType::from("INFERENCE_PROFILE"))
            .model_lifecycle(FoundationModelLifecycle::builder().status(FoundationModelLifecycleStatus::from("SUNSETTING")).build().expect("lifecycle"))
            .build()
            .expect("summary");
        let record = model_record(&summary);
        assert_eq!(record.input_modalities, ["VIDEO", "TEXT"]);
        assert_eq!(record.inference_types_supported, ["INFERENCE_PROFILE"]);
        assert_eq!(record.lifecycle_status.as_deref(), Some("SUNSETTING"));
        assert_eq!((record.model_name.as_str(), record.response_streaming_supported), ("", None));

        let profile = InferenceProfileSummary::builder()
            .inference_profile_name("p")
            .inference_profile_arn("arn:p")
            .inference_profile_id("p")
            .status(InferenceProfileStatus::from("RETIRING"))
            .r#type(InferenceProfileType::from("SHARED"))
            .models(InferenceProfileModel::builder().model_arn("arn:a").build())
            .models(InferenceProfileModel::builder().build())
            .models(InferenceProfileModel::builder().model_arn("arn:b").build())
            .build()
            .expect("profile");
        let record = profile_record(&profile);
        assert_eq!((record.status.as_str(), record.profile_type.as_str()), ("RETIRING", "SHARED"));
        assert_eq!(record.model_arns, ["arn:a", "arn:b"]);
    }
}
