//! Calendar arithmetic for keys: budget periods (UTC day, ISO week from Monday, calendar month),
//! the operator's `--expires` and `--grace` values, and RFC 3339 dates for reports and headers.
//! Days from civil dates and back: Howard Hinnant's public-domain algorithms
//! (<https://howardhinnant.github.io/date_algorithms.html>); the way back is the access log's.

use super::KeysError;
use serde::{Deserialize, Serialize};

/// When a budget starts again from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// From 00:00 UTC.
    Day,
    /// From Monday 00:00 UTC.
    Week,
    /// From the 1st, 00:00 UTC.
    Month,
}

const DAY: u64 = 86_400;

/// Seconds since the Unix epoch, now.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Period {
    /// The start of the period holding `at` (seconds since the epoch).
    pub fn start(self, at: u64) -> u64 {
        let days = at / DAY;
        let start_day = match self {
            Period::Day => days,
            // 1970-01-01 was a Thursday: Monday is 3 days before it.
            Period::Week => days - (days + 3) % 7,
            Period::Month => {
                let (year, month, _) = civil_from_days(days);
                days_from_civil(year, month, 1)
            }
        };
        start_day * DAY
    }
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01.
fn civil_from_days(days: u64) -> (i64, u32, u32) {
    crate::telemetry::time::civil_from_days(i64::try_from(days).unwrap_or(i64::MAX / 2))
}

/// The day count since 1970-01-01 of a civil date (dates before 1970 give 0).
fn days_from_civil(year: i64, month: u32, day: u32) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    u64::try_from(era * 146_097 + doe - 719_468).unwrap_or(0)
}

/// `2026-12-08T02:20:24Z`.
pub fn rfc3339(at: u64) -> String {
    let (year, month, day) = civil_from_days(at / DAY);
    let rest = at % DAY;
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// A duration as the operator writes it: a number and a unit (`90s`, `15m`, `12h`, `30d`,
/// `2w`), in seconds.
pub fn parse_duration(text: &str) -> Result<u64, KeysError> {
    let text = text.trim();
    let unit = |suffix: char| match suffix {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3600),
        'd' => Some(DAY),
        'w' => Some(7 * DAY),
        _ => None,
    };
    let bad = || KeysError::Invalid(format!("`{text}` is not a duration: write a number and s, m, h, d or w (e.g. 12h, 30d)"));
    let suffix = text.chars().last().ok_or_else(bad)?;
    let scale = unit(suffix).ok_or_else(bad)?;
    let number: u64 = text[..text.len() - 1].parse().map_err(|_| bad())?;
    number.checked_mul(scale).filter(|s| *s <= 100 * 365 * DAY).ok_or_else(bad)
}

/// When a key expires: a duration from `now` (`30d`), a date (`2027-01-31`, midnight UTC) or
/// an RFC 3339 UTC time (`2027-01-31T12:00:00Z`); in seconds since the epoch.
pub fn parse_when(text: &str, now: u64) -> Result<u64, KeysError> {
    if let Ok(seconds) = parse_duration(text) {
        return Ok(now + seconds);
    }
    let bad = || KeysError::Invalid(format!("`{text}` is not a time: write a duration (30d), a date (2027-01-31) or 2027-01-31T12:00:00Z"));
    let text = text.trim();
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time.strip_suffix('Z').ok_or_else(bad)?)),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = parts[..] else { return Err(bad()) };
    let (year, month, day): (i64, u32, u32) = (year.parse().map_err(|_| bad())?, month.parse().map_err(|_| bad())?, day.parse().map_err(|_| bad())?);
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) || civil_from_days(days_from_civil(year, month, day)).2 != day {
        return Err(bad());
    }
    let mut at = days_from_civil(year, month, day) * DAY;
    if let Some(time) = time {
        let parts: Vec<u64> = time.split(':').map(|p| p.parse::<u64>()).collect::<Result<_, _>>().map_err(|_| bad())?;
        let [hour, minute, second] = parts[..] else { return Err(bad()) };
        if hour > 23 || minute > 59 || second > 59 {
            return Err(bad());
        }
        at += hour * 3600 + minute * 60 + second;
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_at_utc_midnight_monday_and_the_first() {
        // 2026-12-08T02:20:24Z is a Tuesday.
        let at = parse_when("2026-12-08T02:20:24Z", 0).expect("time");
        let cases = [(Period::Day, "2026-12-08T00:00:00Z"), (Period::Week, "2026-12-07T00:00:00Z"), (Period::Month, "2026-12-01T00:00:00Z")];
        for (period, start) in cases {
            assert_eq!(rfc3339(period.start(at)), start, "{period:?}");
        }
        let march = parse_when("2028-03-01", 0).expect("date");
        assert_eq!(rfc3339(Period::Month.start(march - 1)), "2028-02-01T00:00:00Z", "a leap year's February");
    }

    #[test]
    fn expiry_and_grace_values() {
        let cases: [(&str, Result<u64, ()>); 9] = [
            ("30d", Ok(1000 + 30 * DAY)),
            ("90s", Ok(1090)),
            ("2w", Ok(1000 + 14 * DAY)),
            ("1970-01-02", Ok(DAY)),
            ("1970-01-01T01:00:00Z", Ok(3600)),
            ("2027-02-30", Err(())),
            ("tomorrow", Err(())),
            ("5y", Err(())),
            ("1970-01-01T25:00:00Z", Err(())),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_when(text, 1000).map_err(|_| ()), expected, "{text}");
        }
    }
}
