//! The `application/vnd.amazon.eventstream` frame format, written independently of the SDK.
//!
//! A frame is: total length (u32), headers length (u32), CRC32 of those 8 bytes, the headers,
//! the payload, and a CRC32 of everything before it. Each header is a 1-byte name length, the
//! name, a 1-byte type tag and a type-specific value. Bedrock's events carry string headers
//! only, but the decoder reads every type so that the published test vectors round-trip.

use bytes::{BufMut, Bytes, BytesMut};

/// Bytes before the headers: total length, headers length, prelude CRC.
const PRELUDE_LEN: usize = 12;
/// Prelude plus the trailing message CRC.
const FRAME_OVERHEAD: usize = PRELUDE_LEN + 4;
/// The largest frame the format allows (16 MiB), as the AWS decoders enforce.
const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// One typed header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// Tag 0 (true) or 1 (false); no value bytes.
    Bool(bool),
    /// Tag 2.
    Byte(i8),
    /// Tag 3.
    Int16(i16),
    /// Tag 4.
    Int32(i32),
    /// Tag 5.
    Int64(i64),
    /// Tag 6: u16 length then bytes.
    ByteArray(Vec<u8>),
    /// Tag 7: u16 length then UTF-8.
    String(String),
    /// Tag 8: milliseconds since the Unix epoch.
    Timestamp(i64),
    /// Tag 9: 16 bytes.
    Uuid(u128),
}

/// A decoded or to-be-encoded frame.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    /// Headers in wire order.
    pub headers: Vec<(String, HeaderValue)>,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

/// Why bytes are not a valid frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Fewer bytes than the prelude or the declared length.
    #[error("frame truncated: need {needed} bytes, have {available}")]
    Truncated {
        /// Bytes the frame declares or needs.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// The prelude CRC does not match.
    #[error("prelude checksum mismatch: computed {computed:#010x}, frame says {declared:#010x}")]
    PreludeChecksum {
        /// CRC computed over the prelude.
        computed: u32,
        /// CRC the frame carries.
        declared: u32,
    },
    /// The message CRC does not match.
    #[error("message checksum mismatch: computed {computed:#010x}, frame says {declared:#010x}")]
    MessageChecksum {
        /// CRC computed over the frame.
        computed: u32,
        /// CRC the frame carries.
        declared: u32,
    },
    /// The headers length runs past the frame.
    #[error("headers length {0} does not fit the frame")]
    HeadersLength(usize),
    /// A header is malformed (bad name, unknown type tag, value past the headers).
    #[error("invalid header: {0}")]
    Header(String),
    /// A frame or header too large for the format.
    #[error("frame too large: {0}")]
    TooLarge(String),
}

fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

impl Frame {
    /// A frame with string headers, as Bedrock sends them.
    pub fn with_string_headers(headers: &[(&str, &str)], payload: impl Into<Vec<u8>>) -> Self {
        Frame { headers: headers.iter().map(|(k, v)| (k.to_string(), HeaderValue::String(v.to_string()))).collect(), payload: payload.into() }
    }

    /// The value of a string header, if present.
    pub fn string_header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|(k, v)| match v {
            HeaderValue::String(s) if k == name => Some(s.as_str()),
            _ => None,
        })
    }

    /// Encodes the frame with both CRCs.
    pub fn encode(&self) -> Result<Bytes, FrameError> {
        let mut headers = BytesMut::new();
        for (name, value) in &self.headers {
            let name_len = u8::try_from(name.len()).map_err(|_| FrameError::TooLarge(format!("header name {name}")))?;
            if name_len == 0 {
                return Err(FrameError::Header("empty header name".into()));
            }
            headers.put_u8(name_len);
            headers.put_slice(name.as_bytes());
            encode_value(value, &mut headers)?;
        }
        let total = FRAME_OVERHEAD + headers.len() + self.payload.len();
        if total > MAX_FRAME_LEN {
            return Err(FrameError::TooLarge(format!("{total} bytes")));
        }
        let mut out = BytesMut::with_capacity(total);
        out.put_u32(total as u32);
        out.put_u32(headers.len() as u32);
        let prelude_crc = crc32(&out[..8]);
        out.put_u32(prelude_crc);
        out.put_slice(&headers);
        out.put_slice(&self.payload);
        let message_crc = crc32(&out);
        out.put_u32(message_crc);
        Ok(out.freeze())
    }

    /// Decodes one frame from the start of `bytes`, returning it and the bytes it used.
    pub fn decode(bytes: &[u8]) -> Result<(Frame, usize), FrameError> {
        if bytes.len() < PRELUDE_LEN {
            return Err(FrameError::Truncated { needed: PRELUDE_LEN, available: bytes.len() });
        }
        let total = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        let headers_len = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        let declared_prelude = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        let computed_prelude = crc32(&bytes[..8]);
        if computed_prelude != declared_prelude {
            return Err(FrameError::PreludeChecksum { computed: computed_prelude, declared: declared_prelude });
        }
        if total > MAX_FRAME_LEN {
            return Err(FrameError::TooLarge(format!("{total} bytes")));
        }
        if total < FRAME_OVERHEAD || headers_len > total - FRAME_OVERHEAD {
            return Err(FrameError::HeadersLength(headers_len));
        }
        if bytes.len() < total {
            return Err(FrameError::Truncated { needed: total, available: bytes.len() });
        }
        // Headers are read before the message CRC is checked, in the order the AWS decoders use,
        // so a malformed header is reported as such.
        let headers = decode_headers(&bytes[PRELUDE_LEN..PRELUDE_LEN + headers_len])?;
        let declared_message = u32::from_be_bytes([bytes[total - 4], bytes[total - 3], bytes[total - 2], bytes[total - 1]]);
        let computed_message = crc32(&bytes[..total - 4]);
        if computed_message != declared_message {
            return Err(FrameError::MessageChecksum { computed: computed_message, declared: declared_message });
        }
        let payload = bytes[PRELUDE_LEN + headers_len..total - 4].to_vec();
        Ok((Frame { headers, payload }, total))
    }
}

fn encode_value(value: &HeaderValue, out: &mut BytesMut) -> Result<(), FrameError> {
    let put_len = |len: usize, out: &mut BytesMut| -> Result<(), FrameError> {
        let len = u16::try_from(len).map_err(|_| FrameError::TooLarge(format!("header value of {len} bytes")))?;
        out.put_u16(len);
        Ok(())
    };
    match value {
        HeaderValue::Bool(true) => out.put_u8(0),
        HeaderValue::Bool(false) => out.put_u8(1),
        HeaderValue::Byte(v) => {
            out.put_u8(2);
            out.put_i8(*v);
        }
        HeaderValue::Int16(v) => {
            out.put_u8(3);
            out.put_i16(*v);
        }
        HeaderValue::Int32(v) => {
            out.put_u8(4);
            out.put_i32(*v);
        }
        HeaderValue::Int64(v) => {
            out.put_u8(5);
            out.put_i64(*v);
        }
        HeaderValue::ByteArray(v) => {
            out.put_u8(6);
            put_len(v.len(), out)?;
            out.put_slice(v);
        }
        HeaderValue::String(v) => {
            out.put_u8(7);
            put_len(v.len(), out)?;
            out.put_slice(v.as_bytes());
        }
        HeaderValue::Timestamp(v) => {
            out.put_u8(8);
            out.put_i64(*v);
        }
        HeaderValue::Uuid(v) => {
            out.put_u8(9);
            out.put_u128(*v);
        }
    }
    Ok(())
}

/// A cursor over header bytes that reports running out as a header error.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FrameError> {
        if self.bytes.len() < n {
            return Err(FrameError::Header(format!("needs {n} more bytes, {} left", self.bytes.len())));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], FrameError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

fn decode_headers(bytes: &[u8]) -> Result<Vec<(String, HeaderValue)>, FrameError> {
    let mut reader = Reader { bytes };
    let mut headers = Vec::new();
    while !reader.bytes.is_empty() {
        let name_len = reader.array::<1>()?[0] as usize;
        if name_len == 0 {
            return Err(FrameError::Header("empty header name".into()));
        }
        let name = std::str::from_utf8(reader.take(name_len)?).map_err(|_| FrameError::Header("header name is not UTF-8".into()))?.to_string();
        let tag = reader.array::<1>()?[0];
        let value = match tag {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(i8::from_be_bytes(reader.array()?)),
            3 => HeaderValue::Int16(i16::from_be_bytes(reader.array()?)),
            4 => HeaderValue::Int32(i32::from_be_bytes(reader.array()?)),
            5 => HeaderValue::Int64(i64::from_be_bytes(reader.array()?)),
            6 | 7 => {
                let len = u16::from_be_bytes(reader.array()?) as usize;
                let raw = reader.take(len)?.to_vec();
                if tag == 6 {
                    HeaderValue::ByteArray(raw)
                } else {
                    HeaderValue::String(String::from_utf8(raw).map_err(|_| FrameError::Header(format!("{name}: value is not UTF-8")))?)
                }
            }
            8 => HeaderValue::Timestamp(i64::from_be_bytes(reader.array()?)),
            9 => HeaderValue::Uuid(u128::from_be_bytes(reader.array()?)),
            other => return Err(FrameError::Header(format!("{name}: unknown value type {other:#04x}"))),
        };
        headers.push((name, value));
    }
    Ok(headers)
}

/// A random-length prefix of the alphabet for the `p` field Bedrock adds to every event payload
/// (so that frame sizes do not reveal the generated text); Bedrock's looks exactly like this.
pub fn padding() -> String {
    const ALPHABET: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    ALPHABET[..fastrand::usize(1..=ALPHABET.len())].to_string()
}

/// An `:message-type event` frame with the JSON payload plus a `p` padding field.
pub fn event_frame(event_type: &str, mut payload: serde_json::Value) -> Bytes {
    if let Some(object) = payload.as_object_mut() {
        object.insert("p".into(), serde_json::Value::String(padding()));
    }
    let frame =
        Frame::with_string_headers(&[(":event-type", event_type), (":content-type", "application/json"), (":message-type", "event")], payload.to_string());
    // Bedrock events are far below the header and frame limits, so encoding cannot fail here.
    frame.encode().unwrap_or_default()
}

/// An `:message-type exception` frame, as Bedrock sends a mid-stream failure.
pub fn exception_frame(exception_type: &str, message: &str) -> Bytes {
    let mut payload = serde_json::json!({ "message": message });
    if exception_type == "modelStreamErrorException" {
        // Bedrock reports what the model itself answered alongside its own message.
        payload["originalStatusCode"] = 500.into();
        payload["originalMessage"] = message.into();
    }
    let payload = payload.to_string();
    let frame =
        Frame::with_string_headers(&[(":exception-type", exception_type), (":content-type", "application/json"), (":message-type", "exception")], payload);
    frame.encode().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_decode_round_trips() {
        let frame = Frame {
            headers: vec![("b".into(), HeaderValue::Bool(false)), ("s".into(), HeaderValue::String("x".into())), ("u".into(), HeaderValue::Uuid(7))],
            payload: b"{}".to_vec(),
        };
        let bytes = frame.encode().unwrap();
        assert_eq!(Frame::decode(&bytes).unwrap(), (frame, bytes.len()));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = event_frame("chunk", serde_json::json!({"bytes": "AA=="}));
        for cut in 0..bytes.len() {
            assert!(Frame::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn event_frames_carry_bedrock_headers_and_padding() {
        let (frame, _) = Frame::decode(&event_frame("messageStart", serde_json::json!({"role": "assistant"}))).unwrap();
        assert_eq!(frame.string_header(":event-type"), Some("messageStart"));
        assert_eq!(frame.string_header(":content-type"), Some("application/json"));
        assert_eq!(frame.string_header(":message-type"), Some("event"));
        let payload: serde_json::Value = serde_json::from_slice(&frame.payload).unwrap();
        assert!(payload["p"].as_str().is_some_and(|p| !p.is_empty()));
    }
}
