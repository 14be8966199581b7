//! Exact money arithmetic on the wire form (units + nanos), carried as one integer of nanos.
//!
//! Amounts are never floats: a conversion multiplies and divides integers and rounds once.

use std::fmt;

/// Nano units (10^-9) in one whole unit.
pub const NANOS_PER_UNIT: i128 = 1_000_000_000;
const MAX_NANOS: i32 = 999_999_999;

/// Why an amount cannot be taken or produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// nanos outside [-999999999, 999999999].
    NanosOutOfRange(i32),
    /// units and nanos disagree in sign.
    MixedSigns { units: i64, nanos: i32 },
    /// The result does not fit the wire form (i64 units).
    Overflow,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NanosOutOfRange(nanos) => write!(f, "nanos {nanos} outside ±999999999"),
            Self::MixedSigns { units, nanos } => {
                write!(f, "units {units} and nanos {nanos} have different signs")
            }
            Self::Overflow => f.write_str("amount does not fit in int64 units"),
        }
    }
}

impl std::error::Error for MoneyError {}

/// The amount as a single count of nanos, after checking the wire form's invariants.
pub fn to_nanos(units: i64, nanos: i32) -> Result<i128, MoneyError> {
    if !(-MAX_NANOS..=MAX_NANOS).contains(&nanos) {
        return Err(MoneyError::NanosOutOfRange(nanos));
    }
    if (units > 0 && nanos < 0) || (units < 0 && nanos > 0) {
        return Err(MoneyError::MixedSigns { units, nanos });
    }
    Ok(i128::from(units) * NANOS_PER_UNIT + i128::from(nanos))
}

/// Back to (units, nanos) with both parts sharing the sign of the amount.
pub fn from_nanos(total: i128) -> Result<(i64, i32), MoneyError> {
    // Rust's `/` and `%` truncate toward zero, so both parts keep the sign of `total`.
    let units = i64::try_from(total / NANOS_PER_UNIT).map_err(|_| MoneyError::Overflow)?;
    let nanos = i32::try_from(total % NANOS_PER_UNIT).map_err(|_| MoneyError::Overflow)?;
    Ok((units, nanos))
}

/// `numerator / denominator` rounded half away from zero (commercial rounding).
///
/// `denominator` must be positive.
pub fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0, "denominator must be positive");
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_and_fractional_parts_combine_into_nanos() {
        assert_eq!(to_nanos(12, 340_000_000), Ok(12_340_000_000));
        assert_eq!(to_nanos(-3, -500_000_000), Ok(-3_500_000_000));
        assert_eq!(to_nanos(0, -1), Ok(-1));
    }

    #[test]
    fn nanos_beyond_one_unit_are_rejected() {
        assert_eq!(
            to_nanos(1, 1_000_000_000),
            Err(MoneyError::NanosOutOfRange(1_000_000_000))
        );
        assert_eq!(
            to_nanos(0, -1_000_000_000),
            Err(MoneyError::NanosOutOfRange(-1_000_000_000))
        );
    }

    #[test]
    fn units_and_nanos_of_different_signs_are_rejected() {
        assert_eq!(
            to_nanos(1, -5),
            Err(MoneyError::MixedSigns {
                units: 1,
                nanos: -5
            })
        );
        assert!(to_nanos(-1, 5).is_err());
    }

    #[test]
    fn splitting_keeps_the_sign_on_both_parts() {
        assert_eq!(from_nanos(12_340_000_000), Ok((12, 340_000_000)));
        assert_eq!(from_nanos(-3_500_000_000), Ok((-3, -500_000_000)));
        assert_eq!(from_nanos(-1), Ok((0, -1)));
    }

    #[test]
    fn splitting_fails_when_units_exceed_int64() {
        let too_big = (i128::from(i64::MAX) + 1) * NANOS_PER_UNIT;
        assert_eq!(from_nanos(too_big), Err(MoneyError::Overflow));
    }

    #[test]
    fn the_extremes_of_the_wire_form_round_trip() {
        let max = to_nanos(i64::MAX, MAX_NANOS).unwrap();
        assert_eq!(from_nanos(max), Ok((i64::MAX, MAX_NANOS)));
        let min = to_nanos(i64::MIN, -MAX_NANOS).unwrap();
        assert_eq!(from_nanos(min), Ok((i64::MIN, -MAX_NANOS)));
    }

    #[test]
    fn halves_round_away_from_zero() {
        assert_eq!(div_round_half_away(5, 2), 3);
        assert_eq!(div_round_half_away(-5, 2), -3);
        assert_eq!(div_round_half_away(15, 10), 2);
    }

    #[test]
    fn less_than_half_rounds_toward_zero_and_more_rounds_away() {
        assert_eq!(div_round_half_away(14, 10), 1);
        assert_eq!(div_round_half_away(16, 10), 2);
        assert_eq!(div_round_half_away(-14, 10), -1);
        assert_eq!(div_round_half_away(-16, 10), -2);
        assert_eq!(div_round_half_away(0, 7), 0);
    }
}
