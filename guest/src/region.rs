//! Which AWS region discovery and calls use, and where that choice came from.

pub use openclaw_domain::{DEFAULT_REGION, RegionEnvironment, RegionSource, ResolvedRegion, resolve_region};

use crate::quote::excerpt;

/// Checks the shape of a region name: lowercase words joined by `-`, the first of 2 to 4 letters
/// (`us`, `eusc`), at least one more word (`gov`, `west`, `southeast`, `isob`), and a number last
/// (`us-east-1`, `us-gov-west-1`, `ap-southeast-5`, `eusc-de-east-1`). The list of regions
/// grows every year, so the shape is checked, never membership of a list.
pub fn check_region_name(name: &str) -> Result<(), String> {
    let words: Vec<&str> = name.split('-').collect();
    let letters = |word: &&str| !word.is_empty() && word.bytes().all(|byte| byte.is_ascii_lowercase());
    let shaped = match words.as_slice() {
        [first, middle @ .., last] if !middle.is_empty() => {
            letters(first)
                && (2..=4).contains(&first.len())
                && middle.iter().all(letters)
                && !last.is_empty()
                && last.len() <= 2
                && last.bytes().all(|byte| byte.is_ascii_digit())
        }
        _ => false,
    };
    if shaped { Ok(()) } else { Err(format!("expected an AWS region name such as `us-east-1` or `eu-central-2`, found `{}`", excerpt(name, 40))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(aws_region: Option<&str>, aws_default_region: Option<&str>, profile_region: Option<&str>) -> RegionEnvironment {
        RegionEnvironment {
            aws_region: aws_region.map(str::to_string),
            aws_default_region: aws_default_region.map(str::to_string),
            profile: profile_region.map(|_| "dev".to_string()),
            profile_region: profile_region.map(str::to_string),
        }
    }

    #[test]
    fn precedence_and_blank_values() {
        use RegionSource::*;
        let cases = [
            (Some("eu-west-3"), Some("us-west-2"), Some("eu-west-1"), Some("ap-south-1"), "eu-west-3", Config),
            (Some("  "), Some("us-west-2"), None, None, "us-west-2", AwsRegion),
            (None, Some(" us-west-2\n"), Some("eu-west-1"), None, "us-west-2", AwsRegion),
            (None, Some(""), Some("eu-west-1"), Some("ap-south-1"), "eu-west-1", AwsDefaultRegion),
            (None, Some(" "), Some("\t"), Some("ap-south-1"), "ap-south-1", Profile),
            (None, None, None, Some("  "), "us-east-1", Default),
            (None, None, None, None, "us-east-1", Default),
        ];
        for (configured, aws_region, aws_default_region, profile_region, name, source) in cases {
            let resolved = resolve_region(configured, &environment(aws_region, aws_default_region, profile_region));
            assert_eq!(resolved, ResolvedRegion { name: name.to_string(), source }, "{configured:?} {aws_region:?}");
        }
    }

    #[test]
    fn region_shapes() {
        let valid = [
            "us-east-1",
            "us-gov-west-1",
            "eu-central-2",
            "ap-southeast-5",
            "il-central-1",
            "mx-central-1",
            "ca-west-1",
            "cn-north-1",
            "us-isob-east-1",
            "eusc-de-east-1",
        ];
        for name in valid {
            assert_eq!(check_region_name(name), Ok(()), "{name}");
        }
        let invalid = ["US East", "us-east", "useast1", "us-East-1", "us-east-1 ", "", "-us-east-1", "us--east-1", "us-east-100", "u-east-1", "us-east-1a"];
        for name in invalid {
            assert!(check_region_name(name).is_err(), "{name}");
        }
    }
}
