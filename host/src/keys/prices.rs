//! Model prices for budgets: `data/model-prices.json` (dated, embedded in the binary), or the
//! operator's own file of the same shape (`gateway --prices FILE`).
//!
//! A price of X USD per million tokens is X micro-USD per token, so a price is kept as an
//! integer number of micro-USD per million tokens and a cost as pico-USD (10^-12 USD): tokens
//! times price, exact, with no rounding anywhere.

use super::KeysError;
use crate::aws::model::Usage;
use serde::Deserialize;
use std::collections::HashMap;

/// The bundled price file.
pub const BUNDLED: &str = include_str!("../../../data/model-prices.json");

/// Prices of one model, micro-USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    /// Prompt tokens.
    pub input: u64,
    /// Generated tokens.
    pub output: u64,
    /// Prompt tokens read from the cache.
    pub cache_read: u64,
    /// Prompt tokens written to the cache.
    pub cache_write: u64,
}

impl Price {
    /// The cost of `usage`, in pico-USD.
    pub fn cost(&self, usage: &Usage) -> u64 {
        let parts = [
            (usage.input_tokens, self.input),
            (usage.output_tokens, self.output),
            (usage.cache_read_input_tokens, self.cache_read),
            (usage.cache_write_input_tokens, self.cache_write),
        ];
        parts.iter().fold(0u64, |sum, (tokens, price)| sum.saturating_add(u64::from(*tokens).saturating_mul(*price)))
    }

    /// The most `input` prompt tokens and `output` generated ones can cost: every prompt token
    /// at the dearest prompt price (a cache write costs more than a plain input token).
    pub fn worst_case(&self, input: u64, output: u64) -> u64 {
        input.saturating_mul(self.input.max(self.cache_write).max(self.cache_read)).saturating_add(output.saturating_mul(self.output))
    }
}

#[derive(Debug, Deserialize)]
struct File {
    as_of: String,
    #[serde(default)]
    regional_profile_uplift_percent: u64,
    #[serde(default)]
    regional_profile_prefixes: Vec<String>,
    models: HashMap<String, FilePrice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePrice {
    input: f64,
    output: f64,
    #[serde(default)]
    cache_read: f64,
    #[serde(default)]
    cache_write: f64,
}

/// A price table.
#[derive(Debug, Clone)]
pub struct Prices {
    /// The date the prices were read from the pricing page.
    pub as_of: String,
    uplift_percent: u64,
    regional_prefixes: Vec<String>,
    models: HashMap<String, Price>,
}

/// The micro-USD of a price in USD (at most 6 decimals are meaningful).
fn micros(usd: f64, model: &str, field: &str) -> Result<u64, KeysError> {
    if !(0.0..=1_000_000.0).contains(&usd) {
        return Err(KeysError::Invalid(format!("prices: models.{model}.{field}: {usd} is not a price in USD per million tokens")));
    }
    Ok((usd * 1_000_000.0).round() as u64)
}

impl Prices {
    /// The bundled table.
    pub fn bundled() -> Self {
        // The bundled file is checked by this module's tests.
        Self::parse(BUNDLED).unwrap_or_else(|_| Self { as_of: String::new(), uplift_percent: 0, regional_prefixes: Vec::new(), models: HashMap::new() })
    }

    /// A table from a price file's text.
    pub fn parse(text: &str) -> Result<Self, KeysError> {
        let file: File = serde_json::from_str(text).map_err(|e| KeysError::Invalid(format!("prices: {e}")))?;
        if file.regional_profile_uplift_percent > 100 {
            return Err(KeysError::Invalid("prices: regional_profile_uplift_percent is past 100".into()));
        }
        let mut models = HashMap::new();
        for (model, price) in &file.models {
            let price = Price {
                input: micros(price.input, model, "input")?,
                output: micros(price.output, model, "output")?,
                cache_read: micros(price.cache_read, model, "cache_read")?,
                cache_write: micros(price.cache_write, model, "cache_write")?,
            };
            models.insert(model.clone(), price);
        }
        Ok(Self { as_of: file.as_of, uplift_percent: file.regional_profile_uplift_percent, regional_prefixes: file.regional_profile_prefixes, models })
    }

    /// The price of calling `target` (a model id or an inference profile id): the base model's,
    /// raised by the regional uplift for a regional (geographic) profile.
    pub fn of(&self, target: &str) -> Option<Price> {
        let regional = self.regional_prefixes.iter().find_map(|prefix| target.strip_prefix(prefix.as_str()));
        let base = regional.or_else(|| target.strip_prefix("global.")).unwrap_or(target);
        let price = *self.models.get(base)?;
        let percent = if regional.is_some() { 100 + self.uplift_percent } else { 100 };
        let up = |micros: u64| micros.saturating_mul(percent) / 100;
        Some(Price { input: up(price.input), output: up(price.output), cache_read: up(price.cache_read), cache_write: up(price.cache_write) })
    }
}

impl Prices {
    /// The dearest price of each kind among `targets`, or the first target without a price.
    pub fn dearest<'a>(&self, targets: impl IntoIterator<Item = &'a String>) -> Result<Price, &'a str> {
        let mut dearest = Price { input: 0, output: 0, cache_read: 0, cache_write: 0 };
        for target in targets {
            let price = self.of(target).ok_or(target.as_str())?;
            dearest = Price {
                input: dearest.input.max(price.input),
                output: dearest.output.max(price.output),
                cache_read: dearest.cache_read.max(price.cache_read),
                cache_write: dearest.cache_write.max(price.cache_write),
            };
        }
        Ok(dearest)
    }
}

/// `1.234567` USD from pico-USD, exact to the micro-dollar (rounded up: a report never shows
/// less than was spent).
pub fn usd(pico: u64) -> String {
    let micros = pico.div_ceil(1_000_000);
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// Pico-USD from a USD amount the operator wrote (`12.50`), at most 6 decimals.
pub fn parse_usd(text: &str) -> Result<u64, KeysError> {
    let bad = || KeysError::Invalid(format!("`{text}` is not an amount in USD (e.g. 25 or 12.50, at most 6 decimals)"));
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty() || fraction.len() > 6 || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let fraction: u64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<6}").parse().map_err(|_| bad())? };
    whole.checked_mul(1_000_000).and_then(|m| m.checked_add(fraction)).and_then(|m| m.checked_mul(1_000_000)).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_file_prices_the_claude_and_nova_models() {
        let prices = Prices::parse(BUNDLED).expect("bundled prices");
        assert!(!prices.as_of.is_empty());
        let haiku = "anthropic.claude-haiku-4-5-20251001-v1:0";
        let base = prices.of(haiku).expect("haiku");
        assert_eq!(base, Price { input: 1_000_000, output: 5_000_000, cache_read: 100_000, cache_write: 1_250_000 });
        assert_eq!(prices.of(&format!("global.{haiku}")), Some(base), "a global profile costs the base price");
        assert_eq!(prices.of(&format!("us.{haiku}")).map(|p| p.input), Some(1_100_000), "a regional profile has the uplift");
        assert_eq!(prices.of("mistral.mistral-7b-instruct-v0:2"), None);
    }

    #[test]
    fn costs_are_exact_integers() {
        let price = Price { input: 1_000_000, output: 5_000_000, cache_read: 100_000, cache_write: 1_250_000 };
        let usage = Usage { input_tokens: 3, output_tokens: 7, cache_read_input_tokens: 11, cache_write_input_tokens: 13, ..Usage::default() };
        assert_eq!(price.cost(&usage), 3_000_000 + 35_000_000 + 1_100_000 + 16_250_000);
        assert_eq!(price.worst_case(10, 100), 10 * 1_250_000 + 100 * 5_000_000);
        assert_eq!(usd(55_350_000), "0.000056");
    }

    #[test]
    fn amounts_in_usd() {
        let cases = [
            ("25", Ok(25_000_000_000_000)),
            ("0.5", Ok(500_000_000_000)),
            ("12.345678", Ok(12_345_678_000_000)),
            ("1.2345678", Err(())),
            ("-1", Err(())),
            ("", Err(())),
            ("1e3", Err(())),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_usd(text).map_err(|_| ()), expected, "{text}");
        }
    }
}
