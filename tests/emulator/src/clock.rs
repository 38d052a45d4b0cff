//! Calendar arithmetic for the timestamps AWS puts on the wire, without a date crate.
//!
//! SigV4 uses the ISO 8601 basic form (`20150830T123600Z`); credential expiries and Bedrock's
//! `createdAt` use the extended form (`2015-08-30T12:36:00Z`). Both are UTC.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch for `now`, saturating at 0 for clocks set before 1970.
pub fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(elapsed) => elapsed.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    }
}

/// The `SystemTime` for a count of seconds since the Unix epoch.
pub fn from_unix_seconds(seconds: i64) -> SystemTime {
    if seconds >= 0 { UNIX_EPOCH + Duration::from_secs(seconds as u64) } else { UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs()) }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = month as i64;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The (year, month, day) for a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// Splits seconds since the epoch into calendar fields: (year, month, day, hour, minute, second).
fn fields(seconds: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let in_day = seconds.rem_euclid(86_400);
    (year, month, day, (in_day / 3600) as u32, ((in_day % 3600) / 60) as u32, (in_day % 60) as u32)
}

/// Formats as SigV4's basic form, `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(time: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = fields(unix_seconds(time));
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// Formats as the extended ISO 8601 form, `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_iso8601(time: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = fields(unix_seconds(time));
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Parses SigV4's basic form `YYYYMMDDTHHMMSSZ`; `None` when it is not exactly that.
pub fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (year, month, day) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let (hour, minute, second) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year as i64, month, day);
    Some(from_unix_seconds(days * 86_400 + (hour * 3600 + minute * 60 + second) as i64))
}

/// Parses the extended form `YYYY-MM-DDTHH:MM:SSZ` (fractional seconds ignored).
pub fn parse_iso8601(text: &str) -> Option<SystemTime> {
    let main = text.get(0..19)?;
    let compact: String = main.chars().filter(|c| *c != '-' && *c != ':').collect();
    parse_amz_date(&format!("{compact}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_known_instants() {
        let cases = [
            (0_i64, "19700101T000000Z", "1970-01-01T00:00:00Z"),
            (1_440_938_160, "20150830T123600Z", "2015-08-30T12:36:00Z"),
            (951_782_400, "20000229T000000Z", "2000-02-29T00:00:00Z"),
            (4_102_444_799, "20991231T235959Z", "2099-12-31T23:59:59Z"),
        ];
        for (seconds, basic, extended) in cases {
            let time = from_unix_seconds(seconds);
            assert_eq!(format_amz_date(time), basic);
            assert_eq!(format_iso8601(time), extended);
            assert_eq!(parse_amz_date(basic), Some(time), "{basic}");
            assert_eq!(parse_iso8601(extended), Some(time), "{extended}");
        }
    }

    #[test]
    fn rejects_malformed_dates() {
        for text in ["", "20150830T123600", "2015083OT123600Z", "20151330T123600Z", "20150830X123600Z", "２0150830T12360Z"] {
            assert_eq!(parse_amz_date(text), None, "{text}");
        }
    }
}
