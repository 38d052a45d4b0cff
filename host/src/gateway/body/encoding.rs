//! Request bodies sent with a `Content-Encoding` (RFC 9110 §8.4): gzip, deflate, zstd and br
//! are decoded; any other coding is refused by name. Decoding is bounded like the body itself:
//! the decoded bytes may not pass the body limit (a zip bomb is a 413, never memory), a body may
//! name at most [`MAX_LAYERS`] codings, and zstd windows are capped at 8 MiB (RFC 8878 §3.1.1.1.2:
//! HTTP decoders need not take more), so no frame header can make the decoder allocate more.

use bytes::Bytes;
use std::io::Read;

/// Most codings one body may name (`gzip, gzip, ...` nests are refused past this).
pub(crate) const MAX_LAYERS: usize = 2;

/// The largest zstd window taken: 2^23 bytes = 8 MiB.
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

/// A content coding the gateway decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Deflate,
    Zstd,
    Brotli,
}

impl Coding {
    /// The coding's registered name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Deflate => "deflate",
            Self::Zstd => "zstd",
            Self::Brotli => "br",
        }
    }
}

/// Why a body's encoding was not decoded.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EncodingError {
    #[error("the body's Content-Encoding `{0}` is not supported: send gzip, deflate, zstd, br or identity")]
    Unsupported(String),
    #[error("the body names {0} content codings; the gateway decodes at most {MAX_LAYERS}")]
    TooManyLayers(usize),
    #[error("the body is larger than {max} bytes once decoded ({coding})")]
    TooLarge { coding: &'static str, max: usize },
    #[error("the body could not be decoded as {coding}: {detail}")]
    Corrupt { coding: &'static str, detail: String },
}

/// The codings a `Content-Encoding` header names, in the order they were applied (`identity`
/// and empty members dropped).
pub(crate) fn codings(header: Option<&[u8]>) -> Result<Vec<Coding>, EncodingError> {
    let Some(header) = header else { return Ok(Vec::new()) };
    let text = std::str::from_utf8(header).map_err(|_| EncodingError::Unsupported(String::from_utf8_lossy(header).chars().take(40).collect()))?;
    let mut codings = Vec::new();
    for member in text.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        let coding = match member.to_ascii_lowercase().as_str() {
            "identity" => continue,
            "gzip" | "x-gzip" => Coding::Gzip,
            "deflate" => Coding::Deflate,
            "zstd" => Coding::Zstd,
            "br" => Coding::Brotli,
            _ => return Err(EncodingError::Unsupported(member.chars().take(40).collect())),
        };
        codings.push(coding);
        if codings.len() > MAX_LAYERS {
            return Err(EncodingError::TooManyLayers(text.split(',').filter(|m| !m.trim().is_empty()).count()));
        }
    }
    Ok(codings)
}

/// Undoes `codings` (last applied, first undone); each layer's output at most `max` bytes.
pub(crate) fn decode(mut body: Bytes, codings: &[Coding], max: usize) -> Result<Bytes, EncodingError> {
    for &coding in codings.iter().rev() {
        body = decode_one(&body, coding, max)?;
    }
    Ok(body)
}

fn decode_one(input: &[u8], coding: Coding, max: usize) -> Result<Bytes, EncodingError> {
    let corrupt = |error: std::io::Error| EncodingError::Corrupt { coding: coding.name(), detail: error.to_string() };
    let reader: Box<dyn Read + '_> = match coding {
        Coding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
        // HTTP's deflate is the zlib format (RFC 9110 §8.4.1.2); some clients send raw deflate,
        // told apart by the zlib header's check bits (RFC 1950 §2.2).
        Coding::Deflate if is_zlib_header(input) => Box::new(flate2::read::ZlibDecoder::new(input)),
        Coding::Deflate => Box::new(flate2::read::DeflateDecoder::new(input)),
        Coding::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::with_buffer(input).map_err(corrupt)?;
            decoder.window_log_max(ZSTD_WINDOW_LOG_MAX).map_err(corrupt)?;
            Box::new(decoder)
        }
        Coding::Brotli => Box::new(brotli_decompressor::Decompressor::new(input, 4096)),
    };
    let mut out = Vec::new();
    reader.take(max as u64 + 1).read_to_end(&mut out).map_err(corrupt)?;
    if out.len() > max {
        return Err(EncodingError::TooLarge { coding: coding.name(), max });
    }
    Ok(Bytes::from(out))
}

fn is_zlib_header(input: &[u8]) -> bool {
    match input {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openclaw_test_support::compress::compress;

    #[test]
    fn headers_name_codings_in_order() {
        type Case = (Option<&'static str>, Result<Vec<Coding>, EncodingError>);
        let cases: [Case; 8] = [
            (None, Ok(vec![])),
            (Some("identity"), Ok(vec![])),
            (Some("gzip"), Ok(vec![Coding::Gzip])),
            (Some("X-GZIP"), Ok(vec![Coding::Gzip])),
            (Some("deflate, br"), Ok(vec![Coding::Deflate, Coding::Brotli])),
            (Some("zstd,,identity"), Ok(vec![Coding::Zstd])),
            (Some("compress"), Err(EncodingError::Unsupported("compress".into()))),
            (Some("gzip, gzip, gzip"), Err(EncodingError::TooManyLayers(3))),
        ];
        for (header, expected) in cases {
            assert_eq!(codings(header.map(str::as_bytes)), expected, "{header:?}");
        }
    }

    #[test]
    fn every_coding_decodes_within_the_limit() {
        let data = br#"{"model":"m","messages":[]}"#.repeat(10);
        let cases: [(&str, Vec<u8>, &[Coding]); 6] = [
            ("gzip", compress("gzip", &data), &[Coding::Gzip]),
            ("zlib deflate", compress("deflate", &data), &[Coding::Deflate]),
            ("raw deflate", compress("raw-deflate", &data), &[Coding::Deflate]),
            ("zstd", compress("zstd", &data), &[Coding::Zstd]),
            ("br", compress("br", &data), &[Coding::Brotli]),
            ("gzip over zstd", compress("gzip", &compress("zstd", &data)), &[Coding::Zstd, Coding::Gzip]),
        ];
        for (name, encoded, codings) in cases {
            assert_eq!(decode(Bytes::from(encoded), codings, data.len()).as_deref(), Ok(&data[..]), "{name}");
        }
    }

    #[test]
    fn bombs_and_garbage_are_refused() {
        // 64 MiB of zeros compress to some 64 KiB: refused at the limit, never held whole.
        let bomb = compress("gzip", &vec![0u8; 64 << 20]);
        assert_eq!(decode(Bytes::from(bomb), &[Coding::Gzip], 1 << 20), Err(EncodingError::TooLarge { coding: "gzip", max: 1 << 20 }));
        for coding in [Coding::Gzip, Coding::Deflate, Coding::Zstd, Coding::Brotli] {
            let outcome = decode(Bytes::from_static(b"not compressed at all, just text"), &[coding], 1 << 20);
            assert!(matches!(outcome, Err(EncodingError::Corrupt { .. })), "{coding:?}: {outcome:?}");
        }
    }
}
