//! The WIT `credentials` interface: credential sources, described without a secret.

/// A kind of credential source, in the order the host tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum SourceKind {
    /// `AWS_BEARER_TOKEN_BEDROCK`: `Authorization: Bearer`, no SigV4.
    BearerToken,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    Environment,
    /// A profile of the shared config or credentials file.
    Profile,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN`, exchanged through STS.
    WebIdentity,
    /// The ECS/EKS container credentials endpoint.
    Container,
    /// The EC2 instance profile (IMDSv2); never visible without the network.
    InstanceProfile,
}

/// A credential source visible without a network call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VisibleSource {
    /// The kind.
    pub kind: SourceKind,
    /// In words, e.g. `profile "dev" (~/.aws/credentials)`.
    pub description: String,
}

/// Credentials that resolved, described without a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CredentialDescription {
    /// The kind of source that resolved.
    pub kind: SourceKind,
    /// The source in words, e.g. `bearer token (AWS_BEARER_TOKEN_BEDROCK)` or
    /// `profile "dev" (~/.aws/credentials)`.
    pub source: String,
    /// The access key id masked to its last 4 characters (`****WXYZ`); none for a bearer token.
    pub access_key_id: Option<String>,
    /// When the credentials expire, in seconds since the Unix epoch, when they do.
    pub expires_at: Option<u64>,
}
