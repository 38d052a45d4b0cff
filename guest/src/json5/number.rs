//! JSON5 numbers, kept as written so that integer checks are exact (a `f64` cannot tell
//! `9007199254740993` from its neighbour, nor say whether `3.6e3` is whole).

/// A number literal and its floating-point value.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    literal: String,
    value: f64,
}

/// What a number is as an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integer {
    /// A whole number (`3600`, `3.6e3`, `0xE10`, `-0`), exactly.
    Exact(i128),
    /// A number with a fractional part (`3600.5`, `1e-3`).
    Fractional,
    /// A whole number too large in magnitude for an `i128` (`1e300`).
    OutOfRange,
    /// `Infinity`, `-Infinity` or `NaN`.
    NotFinite,
}

/// Any literal longer than this many digits is out of every integer range we check; it also
/// keeps the exponent arithmetic below far from overflow.
const MAX_EXACT_DIGITS: i64 = 38;

impl Number {
    /// Builds a number from its literal text (as the parser validated it) and its value.
    pub(crate) fn new(literal: String, value: f64) -> Self {
        Number { literal, value }
    }

    /// The literal as written in the source, sign included (`-5`, `0xE10`, `.5`, `Infinity`).
    pub fn literal(&self) -> &str {
        &self.literal
    }

    /// The value as a float (`Infinity` and `NaN` included).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The number as an exact integer, decided from the literal, not from the float.
    pub fn integer(&self) -> Integer {
        let (negative, unsigned) = match self.literal.as_bytes().first() {
            Some(b'-') => (true, &self.literal[1..]),
            Some(b'+') => (false, &self.literal[1..]),
            _ => (false, self.literal.as_str()),
        };
        let magnitude = if unsigned == "Infinity" || unsigned == "NaN" {
            return Integer::NotFinite;
        } else if let Some(hex) = unsigned.strip_prefix("0x").or_else(|| unsigned.strip_prefix("0X")) {
            hex_magnitude(hex)
        } else {
            decimal_magnitude(unsigned)
        };
        match magnitude {
            Integer::Exact(value) if negative => Integer::Exact(-value),
            other => other,
        }
    }
}

/// The magnitude of hex digits (already validated by the parser).
fn hex_magnitude(digits: &str) -> Integer {
    let mut value: i128 = 0;
    for digit in digits.chars() {
        let Some(digit) = digit.to_digit(16) else { return Integer::OutOfRange };
        match value.checked_mul(16).and_then(|shifted| shifted.checked_add(i128::from(digit))) {
            Some(next) => value = next,
            None => return Integer::OutOfRange,
        }
    }
    Integer::Exact(value)
}

/// The magnitude of a decimal literal `digits[.digits][e[+-]digits]` (validated by the parser).
fn decimal_magnitude(literal: &str) -> Integer {
    let (mantissa, exponent_text) = match literal.find(['e', 'E']) {
        Some(at) => (&literal[..at], &literal[at + 1..]),
        None => (literal, ""),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{whole}{fraction}");
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Integer::Exact(0);
    }
    let exponent = parse_exponent(exponent_text);
    // The value is `significant * 10^scale`.
    let scale = exponent.saturating_sub(fraction.len() as i64);
    let kept_digits = if scale >= 0 {
        if significant.len() as i64 + scale > MAX_EXACT_DIGITS {
            return Integer::OutOfRange;
        }
        significant
    } else {
        let dropped = scale.unsigned_abs() as usize;
        if dropped >= significant.len() {
            return Integer::Fractional;
        }
        let (kept, dropped_digits) = significant.split_at(significant.len() - dropped);
        if dropped_digits.bytes().any(|digit| digit != b'0') {
            return Integer::Fractional;
        }
        if kept.len() as i64 > MAX_EXACT_DIGITS {
            return Integer::OutOfRange;
        }
        kept
    };
    let mut value: i128 = 0;
    for digit in kept_digits.bytes() {
        value = value * 10 + i128::from(digit.saturating_sub(b'0') % 10);
    }
    for _ in 0..scale.max(0) {
        value *= 10;
    }
    Integer::Exact(value)
}

/// The exponent's value, saturated far beyond any digit count we accept.
fn parse_exponent(text: &str) -> i64 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for digit in digits.bytes() {
        value = (value * 10 + i64::from(digit.saturating_sub(b'0') % 10)).min(1_000_000);
    }
    if negative { -value } else { value }
}
