//! `openclaw-bedrock healthcheck`: GET a gateway's `/healthz` and exit 0 on a 200. The container image
//! runs it as its HEALTHCHECK, so the image needs no shell and no curl.

use anyhow::{Context as _, bail};
use clap::Args;
use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
pub(super) struct HealthcheckArgs {
    /// The URL to check (plain http).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:18789/healthz")]
    url: String,
    /// Time allowed to connect and to read the answer, in ms each.
    #[arg(long, value_name = "MS", default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    timeout: u64,
}

/// Most bytes of the answer read: the status line is all that is needed.
const MAX_ANSWER: u64 = 4096;

pub(super) async fn run(args: HealthcheckArgs) -> anyhow::Result<ExitCode> {
    let (authority, path) = split_url(&args.url)?;
    let timeout = Duration::from_millis(args.timeout);
    let status = tokio::task::spawn_blocking(move || get_status(&authority, &path, timeout)).await.context("the check did not finish")??;
    if status == 200 {
        println!("ok: {} answered 200", args.url);
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("unhealthy: {} answered {status}", args.url);
        Ok(ExitCode::FAILURE)
    }
}

/// `http://HOST:PORT/PATH` into (`HOST:PORT`, `/PATH`).
fn split_url(url: &str) -> anyhow::Result<(String, String)> {
    let Some(rest) = url.strip_prefix("http://") else {
        bail!("--url {url}: only http:// URLs are supported");
    };
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') || path.chars().any(char::is_whitespace) {
        bail!("--url {url}: expected http://HOST:PORT/PATH");
    }
    let authority = if authority.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok()) && !authority.ends_with(']') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    Ok((authority, path.to_string()))
}

/// Sends `GET path` and returns the status code.
fn get_status(authority: &str, path: &str, timeout: Duration) -> anyhow::Result<u16> {
    let address =
        authority.to_socket_addrs().with_context(|| format!("cannot resolve {authority}"))?.next().with_context(|| format!("{authority} has no address"))?;
    let mut stream = TcpStream::connect_timeout(&address, timeout).with_context(|| format!("cannot connect to {authority}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n")?;
    let mut answer = Vec::new();
    stream.take(MAX_ANSWER).read_to_end(&mut answer).with_context(|| format!("no answer from {authority}"))?;
    parse_status(&answer).with_context(|| format!("{authority} did not answer HTTP"))
}

/// The status code of an HTTP/1.x status line.
fn parse_status(answer: &[u8]) -> Option<u16> {
    let line = answer.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.split_whitespace();
    words.next().filter(|version| version.starts_with("HTTP/1."))?;
    words.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("http://127.0.0.1:18789/healthz", Some(("127.0.0.1:18789", "/healthz"))),
            ("http://localhost/healthz", Some(("localhost:80", "/healthz"))),
            ("http://[::1]:8080/", Some(("[::1]:8080", "/"))),
            ("http://example", Some(("example:80", "/"))),
            ("https://127.0.0.1/healthz", None),
            ("http:///healthz", None),
            ("http://user@host/", None),
        ];
        for (url, expected) in cases {
            let got = split_url(url).ok();
            assert_eq!(got.as_ref().map(|(a, p)| (a.as_str(), p.as_str())), *expected, "{url}");
        }
    }

    #[test]
    fn status_lines() {
        let cases: &[(&[u8], Option<u16>)] = &[
            (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", Some(200)),
            (b"HTTP/1.0 503 Service Unavailable\r\n", Some(503)),
            (b"SSH-2.0-OpenSSH\r\n", None),
            (b"", None),
        ];
        for (answer, expected) in cases {
            assert_eq!(parse_status(answer), *expected, "{:?}", String::from_utf8_lossy(answer));
        }
    }
}
