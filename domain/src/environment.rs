//! The WIT `environment` interface: the region-related environment the host hands a policy.

/// The region-related environment the host hands to a policy, raw (blank values included), and
/// nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RegionEnvironment {
    /// `AWS_REGION`.
    pub aws_region: Option<String>,
    /// `AWS_DEFAULT_REGION`.
    pub aws_default_region: Option<String>,
    /// `AWS_PROFILE`.
    pub profile: Option<String>,
    /// The `region` of the selected profile in the AWS config file.
    pub profile_region: Option<String>,
}
