//! Bodies compressed as HTTP clients send them (`Content-Encoding`), for the gateway's
//! decoding tests: each coding by its registered name.

/// `data` compressed with `coding`: `gzip`, `deflate` (the zlib format, as HTTP names it),
/// `raw-deflate` (what some clients send as `deflate`), `zstd` or `br`.
pub fn compress(coding: &str, data: &[u8]) -> Vec<u8> {
    let level = flate2::Compression::default();
    match coding {
        "gzip" => finish(flate2::write::GzEncoder::new(Vec::new(), level), data, |e| e.finish()),
        "deflate" => finish(flate2::write::ZlibEncoder::new(Vec::new(), level), data, |e| e.finish()),
        "raw-deflate" => finish(flate2::write::DeflateEncoder::new(Vec::new(), level), data, |e| e.finish()),
        "zstd" => zstd::stream::encode_all(data, 3).expect("zstd"),
        "br" => {
            let mut out = Vec::new();
            brotli::BrotliCompress(&mut &data[..], &mut out, &brotli::enc::BrotliEncoderParams::default()).expect("brotli");
            out
        }
        other => panic!("no such coding in the tests: {other}"),
    }
}

fn finish<W: std::io::Write>(mut encoder: W, data: &[u8], done: impl FnOnce(W) -> std::io::Result<Vec<u8>>) -> Vec<u8> {
    encoder.write_all(data).expect("compress");
    done(encoder).expect("compress")
}
