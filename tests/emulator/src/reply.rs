//! The answer a handler gives, before faults and transport turn it into an HTTP response.

use bytes::Bytes;

use crate::errors::ApiError;

/// A response body: whole, or a sequence of event-stream frames.
#[derive(Debug, Clone)]
pub enum ReplyBody {
    /// The whole body.
    Full(Bytes),
    /// Encoded event-stream frames, sent one by one.
    Events(Vec<Bytes>),
}

/// A handler's answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers besides `x-amzn-RequestId`, which the server adds.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: ReplyBody,
}

impl Reply {
    /// A JSON body.
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::bytes(status, "application/json", value.to_string())
    }

    /// A body with a content type.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply { status, headers: vec![("content-type".into(), content_type.into())], body: ReplyBody::Full(body.into()) }
    }

    /// An event stream of encoded frames.
    pub fn events(frames: Vec<Bytes>) -> Reply {
        Reply { status: 200, headers: vec![("content-type".into(), "application/vnd.amazon.eventstream".into())], body: ReplyBody::Events(frames) }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

impl From<ApiError> for Reply {
    /// AWS REST-JSON error form: status, `x-amzn-ErrorType`, `{"message": ...}`.
    fn from(error: ApiError) -> Reply {
        Reply::bytes(error.status, "application/json", error.json_body()).header("x-amzn-ErrorType", error.code.clone())
    }
}

/// A request id in the UUID form AWS uses.
pub fn request_id() -> String {
    let hex: String = (0..32).map(|_| char::from_digit(fastrand::u32(..16), 16).unwrap_or('0')).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}
