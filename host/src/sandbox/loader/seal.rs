//! The seal on precompiled components: proof that an artifact is this host's own compile of a
//! given component for this engine, made under the state directory's key.
//!
//! A precompiled component is native code, mapped and run as it is: wasmtime checks only that
//! its header matches the engine. So the host runs none it did not make itself. Every artifact
//! it writes (compile cache entries, `openclaw-bedrock policy compile` output) is sealed:
//!
//! ```text
//! magic (16 bytes)  "openclaw-cwasm\0" + format version 1
//! component (32)    SHA-256 of the .wasm component the image was compiled from
//! engine (32)       SHA-256 of the engine's precompile-compatibility hash
//! mac (32)          HMAC-SHA256(key, magic | component | engine | image)
//! image             the ELF image from `Engine::precompile_component`
//! ```
//!
//! Opening checks the MAC (in constant time) before anything else is believed; the caller
//! then checks that the component and engine are the ones it expects.

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};
use std::hash::{Hash, Hasher};

/// The first bytes of a sealed artifact.
pub(crate) const MAGIC: &[u8; 16] = b"openclaw-cwasm\0\x01";
/// ELF files start so; an unsealed precompiled component is an ELF image.
pub(crate) const ELF_MAGIC: &[u8; 4] = b"\x7fELF";
const HEADER_LEN: usize = 16 + 32 + 32 + 32;
/// Key length in bytes (HMAC-SHA256's block-size-independent recommendation: the hash size).
pub(crate) const KEY_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// A MAC key (never printed).
pub(crate) struct Key(pub(crate) [u8; KEY_LEN]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

/// What a verified seal says.
#[derive(Debug)]
pub(crate) struct Opened<'a> {
    /// SHA-256 of the component compiled, hex.
    pub component: String,
    /// The engine fingerprint it was compiled for.
    pub engine: [u8; 32],
    /// The precompiled image.
    pub image: &'a [u8],
}

/// Why a seal was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum SealError {
    /// A bare ELF image: precompiled by something that does not seal (another tool, an older
    /// openclaw).
    #[error(
        "it is a precompiled image without this host's seal, so nothing vouches for its machine code (compile the .wasm with `openclaw-bedrock policy compile` on this machine)"
    )]
    Unsealed,
    /// Neither sealed nor an image.
    #[error("it is not a precompiled component")]
    NotPrecompiled,
    /// Shorter than a header.
    #[error("it is truncated")]
    Truncated,
    /// The MAC does not match.
    #[error("its seal does not verify: it was changed after it was written, or sealed under another state directory's key")]
    BadMac,
}

/// The engine fingerprint: a stable SHA-256 of wasmtime's compatibility hash (settings,
/// target, version), where `DefaultHasher` promises no stability.
pub(crate) fn engine_fingerprint(engine: &wasmtime::Engine) -> [u8; 32] {
    struct Sha(Sha256);
    impl Hasher for Sha {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            let digest = self.0.clone().finalize();
            u64::from_le_bytes([digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7]])
        }
    }
    let mut hasher = Sha(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.0.finalize().into()
}

/// Whether the bytes claim to be precompiled (sealed or a bare ELF image).
pub(crate) fn looks_precompiled(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC) || bytes.starts_with(ELF_MAGIC)
}

fn mac(key: &Key, component: &[u8; 32], engine: &[u8; 32], image: &[u8]) -> HmacSha256 {
    // A key of any length is valid for HMAC: `new_from_slice` cannot fail here.
    let mut mac = <HmacSha256 as hmac::digest::KeyInit>::new_from_slice(&key.0).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(MAGIC);
    mac.update(component);
    mac.update(engine);
    mac.update(image);
    mac
}

/// Seals an image compiled from the component whose SHA-256 (hex) is `component`.
pub(crate) fn seal(key: &Key, component: &str, engine: &[u8; 32], image: &[u8]) -> Vec<u8> {
    let mut digest = [0u8; 32];
    // The digest is this host's own hex SHA-256; anything else seals as zeros (never matches).
    let _ = hex::decode_to_slice(component, &mut digest);
    let tag = mac(key, &digest, engine, image).finalize().into_bytes();
    let mut sealed = Vec::with_capacity(HEADER_LEN + image.len());
    sealed.extend_from_slice(MAGIC);
    sealed.extend_from_slice(&digest);
    sealed.extend_from_slice(engine);
    sealed.extend_from_slice(&tag);
    sealed.extend_from_slice(image);
    sealed
}

/// Verifies a sealed artifact's MAC and returns what it says.
pub(crate) fn open<'a>(key: &Key, bytes: &'a [u8]) -> Result<Opened<'a>, SealError> {
    if !bytes.starts_with(MAGIC) {
        return Err(if bytes.starts_with(ELF_MAGIC) { SealError::Unsealed } else { SealError::NotPrecompiled });
    }
    if bytes.len() < HEADER_LEN {
        return Err(SealError::Truncated);
    }
    let (header, image) = bytes.split_at(HEADER_LEN);
    let mut component = [0u8; 32];
    component.copy_from_slice(&header[16..48]);
    let mut engine = [0u8; 32];
    engine.copy_from_slice(&header[48..80]);
    mac(key, &component, &engine, image).verify_slice(&header[80..112]).map_err(|_| SealError::BadMac)?;
    Ok(Opened { component: hex::encode(component), engine, image })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unchanged_artifact_under_the_same_key_opens() {
        let key = Key([7; KEY_LEN]);
        let component = hex::encode([1u8; 32]);
        let engine = [2u8; 32];
        let sealed = seal(&key, &component, &engine, b"\x7fELF image");
        let opened = open(&key, &sealed).expect("opens");
        assert_eq!((opened.component.as_str(), opened.engine, opened.image), (component.as_str(), engine, &b"\x7fELF image"[..]));
        let flip = |at: usize| {
            let mut bytes = sealed.clone();
            bytes[at] ^= 1;
            bytes
        };
        // (what, bytes, key, the error)
        let cases: [(&str, Vec<u8>, Key, SealError); 7] = [
            ("another key", sealed.clone(), Key([8; KEY_LEN]), SealError::BadMac),
            ("image changed", flip(sealed.len() - 1), Key([7; KEY_LEN]), SealError::BadMac),
            ("component changed", flip(20), Key([7; KEY_LEN]), SealError::BadMac),
            ("engine changed", flip(50), Key([7; KEY_LEN]), SealError::BadMac),
            ("truncated", sealed[..HEADER_LEN - 1].to_vec(), Key([7; KEY_LEN]), SealError::Truncated),
            ("bare ELF", b"\x7fELF image".to_vec(), Key([7; KEY_LEN]), SealError::Unsealed),
            ("wasm", b"\0asm\x0d\0\x01\0".to_vec(), Key([7; KEY_LEN]), SealError::NotPrecompiled),
        ];
        for (what, bytes, key, expected) in cases {
            assert_eq!(open(&key, &bytes).map(|o| o.component).expect_err(what), expected, "{what}");
        }
    }
}
