//! Images in chat requests: `data:image/<format>;base64,<data>` URLs (the gateway fetches
//! nothing), decoded by the `base64` crate.

use crate::aws::model::ContentBlock;

/// An image from a `data:image/<format>;base64,<data>` URL.
pub(super) fn image_block(url: &str) -> Result<ContentBlock, String> {
    let Some(rest) = url.strip_prefix("data:") else {
        return Err("only `data:` image URLs are supported (the gateway fetches nothing)".into());
    };
    let Some((meta, data)) = rest.split_once(',') else {
        return Err("a data URL needs a comma before its data".into());
    };
    let Some(media) = meta.strip_suffix(";base64") else {
        return Err("a data URL must be base64 encoded".into());
    };
    let format = match media.to_ascii_lowercase().as_str() {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpeg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => return Err("supported images: png, jpeg, gif, webp".into()),
    };
    let bytes = base64_decode(data)?;
    Ok(ContentBlock::Image { format: format.into(), bytes })
}

/// Image data as clients send it: the standard alphabet (RFC 4648 section 4), with or without
/// its `=` padding (browsers' `FileReader` pad, some SDKs strip it), no whitespace, and the
/// last symbol canonical (stray bits there mean truncated or corrupted data).
const IMAGE_DATA: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new().with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Decodes a data URL's payload; the error says what is wrong and where, in one line.
pub(super) fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    use base64::{DecodeError, Engine as _};
    IMAGE_DATA.decode(text).map_err(|error| match error {
        DecodeError::InvalidByte(offset, b'=') => {
            format!("the image data is not valid base64: the `=` at byte {offset} is out of place (padding only ends the data, as much as its length needs)")
        }
        DecodeError::InvalidByte(offset, byte) => format!(
            "the image data is not valid base64: byte {offset} ({}) is not in the standard alphabet (A-Z a-z 0-9 + /)",
            std::ascii::escape_default(byte)
        ),
        DecodeError::InvalidLength(_) => "the image data is not valid base64: its length leaves a single symbol in the last group (truncated?)".into(),
        DecodeError::InvalidLastSymbol(offset, _) => {
            format!("the image data is not valid base64: the last symbol (byte {offset}) has bits past the data's end (truncated?)")
        }
        DecodeError::InvalidPadding => "the image data is not valid base64: its `=` padding does not match its length".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payload of a `data:image/png;base64,` URL: decoded bytes, or a one-line refusal
    /// containing the fragment (the caller makes it a 400 naming the image part).
    #[test]
    fn image_data_is_standard_base64_with_optional_padding() {
        let png = &[0x89, b'P', b'N', b'G', 13, 10, 26, 10][..];
        let cases: [(&str, Result<&[u8], &str>); 15] = [
            ("iVBORw0KGgo=", Ok(png)),
            // Clients that strip the padding send the same image.
            ("iVBORw0KGgo", Ok(png)),
            ("SGk=", Ok(b"Hi")),
            ("SA==", Ok(b"H")),
            ("SA", Ok(b"H")),
            ("+/+/", Ok(&[0xfb, 0xff, 0xbf])),
            ("", Ok(b"")),
            // The URL-safe alphabet is not the standard one.
            ("-_-_", Err("byte 0 (-) is not in the standard alphabet")),
            ("SGk_", Err("byte 3 (_) is not in the standard alphabet")),
            ("SG k=", Err("byte 2 ( ) is not in the standard alphabet")),
            ("SGk=SGk=", Err("the `=` at byte 3 is out of place")),
            ("SGk==", Err("the `=` at byte 3 is out of place")),
            ("SGkhS", Err("leaves a single symbol in the last group")),
            // `l` carries bits past the last byte: truncated or corrupted data.
            ("SGl=", Err("the last symbol (byte 2) has bits past the data's end")),
            ("S\u{e9}k=", Err("byte 1 (\\xc3) is not in the standard alphabet")),
        ];
        for (data, expected) in cases {
            let url = format!("data:image/png;base64,{data}");
            match (image_block(&url), expected) {
                (Ok(block), Ok(bytes)) => assert_eq!(block, ContentBlock::Image { format: "png".into(), bytes: bytes.to_vec() }, "{data:?}"),
                (Err(message), Err(fragment)) => {
                    assert!(message.contains(fragment), "{data:?}: {message:?} lacks {fragment:?}");
                    assert!(!message.contains('\n'), "{data:?}: one line: {message:?}");
                }
                (result, expected) => panic!("{data:?}: got {result:?}, expected {expected:?}"),
            }
        }
    }
}
