//! The emulator's event-stream frame code against the frame vectors shipped in the
//! `aws-smithy-eventstream` package (`test_data/`) and against that crate's decoder.

// Test tables are tuples on purpose: one row per case reads as the specification.
#![allow(clippy::type_complexity)]

mod common;

use aws_smithy_eventstream::frame::{read_message_from, write_message_to};
use aws_smithy_types::event_stream::{Header, HeaderValue as SdkValue, Message};
use bedrock_emulator::eventstream::{self, Frame, FrameError, HeaderValue};

fn vector(name: &str) -> Vec<u8> {
    let path = common::package_dir("aws-smithy-eventstream").join("test_data").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn valid_vectors_decode_and_re_encode_byte_for_byte() {
    for name in ["valid_empty_payload", "valid_no_headers", "valid_with_all_headers_and_payload"] {
        let bytes = vector(name);
        let (frame, used) = Frame::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(used, bytes.len(), "{name}");
        assert_eq!(frame.encode().unwrap().to_vec(), bytes, "{name} re-encoded");
    }
}

#[test]
fn the_all_headers_vector_has_every_header_type() {
    let (frame, _) = Frame::decode(&vector("valid_with_all_headers_and_payload")).unwrap();
    let expected = vec![
        ("true".to_string(), HeaderValue::Bool(true)),
        ("false".to_string(), HeaderValue::Bool(false)),
        ("byte".to_string(), HeaderValue::Byte(50)),
        ("short".to_string(), HeaderValue::Int16(20_000)),
        ("int".to_string(), HeaderValue::Int32(500_000)),
        ("long".to_string(), HeaderValue::Int64(50_000_000_000)),
        ("bytes".to_string(), HeaderValue::ByteArray(b"some bytes".to_vec())),
        ("str".to_string(), HeaderValue::String("some str".into())),
        ("time".to_string(), HeaderValue::Timestamp(5_000_000_000)),
        ("uuid".to_string(), HeaderValue::Uuid(0xb79bc914_de21_4e13_b8b2_bc47e85b7f0b)),
    ];
    assert_eq!(frame.headers, expected);
    assert_eq!(frame.payload, b"some payload");
}

#[test]
fn invalid_vectors_are_errors_not_panics() {
    let cases: &[(&str, fn(&FrameError) -> bool)] = &[
        ("invalid_header_string_value_length", |e| matches!(e, FrameError::Header(_))),
        ("invalid_header_string_length_cut_off", |e| matches!(e, FrameError::Header(_) | FrameError::HeadersLength(_))),
        ("invalid_header_value_type", |e| matches!(e, FrameError::Header(m) if m.contains("0x60"))),
        ("invalid_header_name_length", |e| matches!(e, FrameError::Header(_))),
        ("invalid_headers_length", |e| matches!(e, FrameError::HeadersLength(_))),
        ("invalid_prelude_checksum", |e| matches!(e, FrameError::PreludeChecksum { computed: 0x8BB4_95FB, declared: 0xDEAD_BEEF })),
        ("invalid_message_checksum", |e| matches!(e, FrameError::MessageChecksum { computed: 0x01a0_5860, declared: 0xDEAD_BEEF })),
        ("invalid_header_name_length_too_long", |e| matches!(e, FrameError::Header(_))),
    ];
    for (name, expected) in cases {
        let error = Frame::decode(&vector(name)).expect_err(name);
        assert!(expected(&error), "{name}: unexpected {error:?}");
    }
}

fn sdk_decode(bytes: &[u8]) -> Message {
    read_message_from(bytes::Bytes::copy_from_slice(bytes)).expect("aws-smithy-eventstream decodes the frame")
}

fn sdk_string_header(message: &Message, name: &str) -> Option<String> {
    message.headers().iter().find(|h| h.name().as_str() == name).and_then(|h| h.value().as_string().ok()).map(|s| s.as_str().to_string())
}

#[test]
fn emulator_frames_decode_with_the_sdk_decoder() {
    let cases = [
        (
            eventstream::event_frame("contentBlockDelta", serde_json::json!({"contentBlockIndex": 0, "delta": {"text": "hi"}})),
            "event",
            Some("contentBlockDelta"),
            None,
        ),
        (eventstream::event_frame("chunk", serde_json::json!({"bytes": "eyJ0eXBlIjoibWVzc2FnZV9zdG9wIn0="})), "event", Some("chunk"), None),
        (eventstream::exception_frame("throttlingException", "slow down"), "exception", None, Some("throttlingException")),
    ];
    for (bytes, message_type, event_type, exception_type) in cases {
        let message = sdk_decode(&bytes);
        assert_eq!(sdk_string_header(&message, ":message-type").as_deref(), Some(message_type));
        assert_eq!(sdk_string_header(&message, ":content-type").as_deref(), Some("application/json"));
        assert_eq!(sdk_string_header(&message, ":event-type").as_deref(), event_type);
        assert_eq!(sdk_string_header(&message, ":exception-type").as_deref(), exception_type);
        let payload: serde_json::Value = serde_json::from_slice(message.payload()).unwrap();
        if message_type == "event" {
            assert!(payload["p"].as_str().is_some_and(|p| !p.is_empty()), "padding present");
        } else {
            assert_eq!(payload["message"], "slow down");
        }
    }
}

#[test]
fn every_header_type_agrees_with_the_sdk_encoder() {
    let ours = Frame {
        headers: vec![
            ("b".into(), HeaderValue::Bool(true)),
            ("i8".into(), HeaderValue::Byte(-3)),
            ("i16".into(), HeaderValue::Int16(-300)),
            ("i32".into(), HeaderValue::Int32(70_000)),
            ("i64".into(), HeaderValue::Int64(-5_000_000_000)),
            ("raw".into(), HeaderValue::ByteArray(vec![0, 1, 2])),
            ("s".into(), HeaderValue::String("value".into())),
            ("t".into(), HeaderValue::Timestamp(1_700_000_000_000)),
            ("u".into(), HeaderValue::Uuid(42)),
        ],
        payload: b"{\"k\":1}".to_vec(),
    };
    let sdk = Message::new(&b"{\"k\":1}"[..])
        .add_header(Header::new("b", SdkValue::Bool(true)))
        .add_header(Header::new("i8", SdkValue::Byte(-3)))
        .add_header(Header::new("i16", SdkValue::Int16(-300)))
        .add_header(Header::new("i32", SdkValue::Int32(70_000)))
        .add_header(Header::new("i64", SdkValue::Int64(-5_000_000_000)))
        .add_header(Header::new("raw", SdkValue::ByteArray(bytes::Bytes::from_static(&[0, 1, 2]))))
        .add_header(Header::new("s", SdkValue::String("value".into())))
        .add_header(Header::new("t", SdkValue::Timestamp(aws_smithy_types::DateTime::from_millis(1_700_000_000_000))))
        .add_header(Header::new("u", SdkValue::Uuid(42)));
    let mut sdk_bytes = Vec::new();
    write_message_to(&sdk, &mut sdk_bytes).unwrap();
    assert_eq!(ours.encode().unwrap().to_vec(), sdk_bytes);
    assert_eq!(Frame::decode(&sdk_bytes).unwrap().0, ours);
}
