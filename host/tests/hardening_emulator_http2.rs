//! The emulator verifies SigV4 on HTTP/2 as Bedrock does (issue 12, finding 7): the AWS SDK for
//! JavaScript over HTTP/2 drops `host`, sends the `:authority` pseudo-header and signs it; such
//! a request must be accepted. The canonical request is written here by hand, as that SDK forms
//! it, and signed with `aws-sigv4`'s key derivation and HMAC, so the emulator's own signing code
//! is not its own oracle.

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use sha2::{Digest as _, Sha256};
use std::time::{Duration, SystemTime};

/// `YYYYMMDDTHHMMSSZ` for `time` (whole seconds).
fn amz_date(time: SystemTime) -> String {
    let seconds = time.duration_since(SystemTime::UNIX_EPOCH).expect("after the epoch").as_secs();
    let iso = aws_smithy_types::DateTime::from_secs(seconds as i64).fmt(aws_smithy_types::date_time::Format::DateTime).expect("a date");
    iso.replace(['-', ':'], "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http2_request_signed_over_authority_is_accepted() {
    let emulator = Emulator::builder().region("us-east-1").start().await.expect("emulator");
    let endpoint = emulator.endpoint();
    let authority = endpoint.trim_start_matches("http://").trim_end_matches('/').to_string();
    let now = SystemTime::now() - Duration::from_secs(1);
    let date = amz_date(now);
    let day = &date[..8];
    let empty_sha256 = hex::encode(Sha256::digest(b""));
    let canonical = format!("GET\n/foundation-models\n\n:authority:{authority}\nx-amz-date:{date}\n\n:authority;x-amz-date\n{empty_sha256}");
    let scope = format!("{day}/us-east-1/bedrock/aws4_request");
    let string_to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical.as_bytes())));
    let key = aws_sigv4::sign::v4::generate_signing_key(DEFAULT_SECRET_ACCESS_KEY, now, "us-east-1", "bedrock");
    let signature = aws_sigv4::sign::v4::calculate_signature(key, string_to_sign.as_bytes());
    let authorization = format!("AWS4-HMAC-SHA256 Credential={DEFAULT_ACCESS_KEY_ID}/{scope}, SignedHeaders=:authority;x-amz-date, Signature={signature}");

    // HTTP/2 with prior knowledge: the authority travels as `:authority`, with no `host` header.
    let stream = tokio::net::TcpStream::connect(&authority).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.expect("h2 handshake");
    tokio::spawn(connection);
    let request = hyper::Request::get(format!("http://{authority}/foundation-models"))
        .header("x-amz-date", &date)
        .header("authorization", authorization)
        .body(Empty::<Bytes>::new())
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("modelSummaries"), "{}", String::from_utf8_lossy(&body));
}
