//! The WIT `control-plane` interface: the catalog of one region.

use std::time::Duration;

use crate::types::{FoundationModelRecord, InferenceProfileRecord};

/// The raw catalog of one region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Catalog {
    /// The region it was listed in.
    pub region: String,
    /// Every foundation model.
    pub models: Vec<FoundationModelRecord>,
    /// Every inference profile, all pages.
    pub profiles: Vec<InferenceProfileRecord>,
    /// When it was fetched, in seconds since the Unix epoch.
    pub fetched_at: u64,
    /// True when a refresh failed and this is the last good catalog.
    pub stale: bool,
    /// Why the refresh failed, when `stale`.
    pub stale_reason: Option<String>,
}

/// How fresh the caller needs the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRequest {
    /// The region to list.
    pub region: String,
    /// Oldest acceptable cached catalog (`refreshInterval`); zero turns the cache off (whole
    /// seconds cross the WIT).
    pub max_age: Duration,
    /// Fetch now even if the cache is fresh.
    pub refresh: bool,
}
