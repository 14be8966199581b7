//! The exchange-rate table and conversions between the currencies in it.
//!
//! Rates are kept as integers scaled by [`RATE_SCALE`] against one base currency (EUR), so a
//! conversion is `amount * rate(to) / rate(from)`, computed exactly and rounded once, half away
//! from zero, to the nano.

use std::fmt;

use crate::money::{self, MoneyError};

/// Decimal places of every rate in [`RATES`].
pub const RATE_SCALE: i128 = 100_000;

/// Units of each currency worth one EUR, times [`RATE_SCALE`] (sorted by code).
pub const RATES: &[(&str, i64)] = &[
    ("AUD", 162_000),
    ("CAD", 151_280),
    ("CHF", 113_600),
    ("EUR", 100_000),
    ("GBP", 85_970),
    ("JPY", 12_640_000),
    ("SEK", 1_050_000),
    ("USD", 113_050),
];

/// Why a conversion was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversionError {
    UnsupportedCurrency(String),
    InvalidAmount(MoneyError),
    /// The converted amount does not fit the wire form.
    OutOfRange,
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedCurrency(code) => write!(f, "unsupported currency {code:?}"),
            Self::InvalidAmount(err) => write!(f, "invalid amount: {err}"),
            Self::OutOfRange => f.write_str("converted amount out of range"),
        }
    }
}

impl std::error::Error for ConversionError {}

/// An amount in one currency, in the wire form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub currency_code: String,
    pub units: i64,
    pub nanos: i32,
}

impl Amount {
    pub fn new(currency_code: &str, units: i64, nanos: i32) -> Self {
        Self {
            currency_code: currency_code.to_owned(),
            units,
            nanos,
        }
    }
}

/// The supported currency codes, sorted.
pub fn supported_currencies() -> Vec<String> {
    RATES.iter().map(|(code, _)| (*code).to_owned()).collect()
}

fn rate(code: &str) -> Result<i128, ConversionError> {
    RATES
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, rate)| i128::from(*rate))
        .ok_or_else(|| ConversionError::UnsupportedCurrency(code.to_owned()))
}

/// `from` expressed in `to_code`.
pub fn convert(from: &Amount, to_code: &str) -> Result<Amount, ConversionError> {
    let from_rate = rate(&from.currency_code)?;
    let to_rate = rate(to_code)?;
    let nanos = money::to_nanos(from.units, from.nanos).map_err(ConversionError::InvalidAmount)?;
    let scaled = nanos
        .checked_mul(to_rate)
        .ok_or(ConversionError::OutOfRange)?;
    let converted = money::div_round_half_away(scaled, from_rate);
    let (units, nanos) = money::from_nanos(converted).map_err(|_| ConversionError::OutOfRange)?;
    Ok(Amount::new(to_code, units, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_eight_currencies_sorted_and_unique() {
        let codes = supported_currencies();
        assert_eq!(codes.len(), 8);
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn converting_from_the_base_multiplies_by_the_rate() {
        let usd = convert(&Amount::new("EUR", 1, 0), "USD").unwrap();
        assert_eq!(usd, Amount::new("USD", 1, 130_500_000));
    }

    #[test]
    fn converting_to_the_base_rounds_to_the_nearest_nano() {
        // 1 / 1.1305 = 0.884564352056...
        let eur = convert(&Amount::new("USD", 1, 0), "EUR").unwrap();
        assert_eq!(eur, Amount::new("EUR", 0, 884_564_352));
    }

    #[test]
    fn cross_rates_go_through_the_base_in_one_exact_step() {
        // 10.50 USD * 126.40 / 1.1305 = 1173.9938...JPY, rounded once.
        let jpy = convert(&Amount::new("USD", 10, 500_000_000), "JPY").unwrap();
        assert_eq!(jpy, Amount::new("JPY", 1173, 993_808_050));
    }

    #[test]
    fn an_exact_half_nano_rounds_away_from_zero() {
        // 1 nano EUR is 10.5 nanos SEK and 25 nanos EUR are 40.5 nanos AUD.
        assert_eq!(convert(&Amount::new("EUR", 0, 1), "SEK").unwrap().nanos, 11);
        assert_eq!(
            convert(&Amount::new("EUR", 0, -1), "SEK").unwrap().nanos,
            -11
        );
        assert_eq!(
            convert(&Amount::new("EUR", 0, 25), "AUD").unwrap().nanos,
            41
        );
    }

    #[test]
    fn fractions_of_a_nano_round_to_the_nearest() {
        // 5 nanos EUR are 4.2985 nanos GBP and 5.6525 nanos USD.
        assert_eq!(convert(&Amount::new("EUR", 0, 5), "GBP").unwrap().nanos, 4);
        assert_eq!(convert(&Amount::new("EUR", 0, 5), "USD").unwrap().nanos, 6);
    }

    #[test]
    fn negative_amounts_convert_symmetrically() {
        let refund = convert(&Amount::new("USD", -1, 0), "EUR").unwrap();
        assert_eq!(refund, Amount::new("EUR", 0, -884_564_352));
    }

    #[test]
    fn same_currency_conversion_is_the_identity() {
        let amount = Amount::new("SEK", 99, 999_999_999);
        assert_eq!(convert(&amount, "SEK").unwrap(), amount);
    }

    #[test]
    fn unknown_currencies_are_refused_on_either_side() {
        assert_eq!(
            convert(&Amount::new("XXX", 1, 0), "USD"),
            Err(ConversionError::UnsupportedCurrency("XXX".into()))
        );
        assert_eq!(
            convert(&Amount::new("USD", 1, 0), "usd"),
            Err(ConversionError::UnsupportedCurrency("usd".into()))
        );
    }

    #[test]
    fn malformed_amounts_are_refused() {
        let err = convert(&Amount::new("USD", 1, -1), "EUR").unwrap_err();
        assert!(matches!(err, ConversionError::InvalidAmount(_)));
    }

    #[test]
    fn results_beyond_int64_units_are_out_of_range() {
        let huge = Amount::new("EUR", i64::MAX, 0);
        assert_eq!(convert(&huge, "JPY"), Err(ConversionError::OutOfRange));
    }
}
