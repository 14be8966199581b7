// Package money does exact arithmetic on commerce Money (units + nanos, never a float).
//
// Every result is normalised: nanos in (-1e9, 1e9) with the same sign as units. Overflow of the
// int64 units is an error, not a wrap-around.
package money

import (
	"errors"
	"fmt"
	"math"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
)

const nanosPerUnit = 1_000_000_000

var (
	// ErrInvalid marks an amount with nanos out of range or of the opposite sign to units.
	ErrInvalid = errors.New("invalid money")
	// ErrCurrencyMismatch marks arithmetic across two currencies.
	ErrCurrencyMismatch = errors.New("currency mismatch")
	// ErrOverflow marks a result whose units do not fit in an int64.
	ErrOverflow = errors.New("money overflow")
)

// Zero is an amount of nothing in currency.
func Zero(currency string) *commercev1.Money {
	return &commercev1.Money{CurrencyCode: currency}
}

// Validate checks the invariants the proto documents for Money.
func Validate(m *commercev1.Money) error {
	if m == nil {
		return fmt.Errorf("%w: missing amount", ErrInvalid)
	}
	if m.GetCurrencyCode() == "" {
		return fmt.Errorf("%w: no currency code", ErrInvalid)
	}
	units, nanos := m.GetUnits(), m.GetNanos()
	if nanos <= -nanosPerUnit || nanos >= nanosPerUnit {
		return fmt.Errorf("%w: nanos %d out of range", ErrInvalid, nanos)
	}
	if (units > 0 && nanos < 0) || (units < 0 && nanos > 0) {
		return fmt.Errorf("%w: units %d and nanos %d differ in sign", ErrInvalid, units, nanos)
	}
	return nil
}

// Add returns a + b; both must be valid and in the same currency.
func Add(a, b *commercev1.Money) (*commercev1.Money, error) {
	if err := errors.Join(Validate(a), Validate(b)); err != nil {
		return nil, err
	}
	if a.GetCurrencyCode() != b.GetCurrencyCode() {
		return nil, fmt.Errorf("%w: %s + %s", ErrCurrencyMismatch, a.GetCurrencyCode(), b.GetCurrencyCode())
	}
	units, ok := addInt64(a.GetUnits(), b.GetUnits())
	if !ok {
		return nil, ErrOverflow
	}
	// |nanos sum| < 2e9 fits in int64 and carries at most one unit.
	return normalise(a.GetCurrencyCode(), units, int64(a.GetNanos())+int64(b.GetNanos()))
}

// Multiply returns m * n, e.g. a unit price times a quantity (an int32 in the proto).
func Multiply(m *commercev1.Money, n int32) (*commercev1.Money, error) {
	if err := Validate(m); err != nil {
		return nil, err
	}
	units, ok := mulInt64(m.GetUnits(), int64(n))
	if !ok {
		return nil, ErrOverflow
	}
	// |nanos| < 2^30 and |n| <= 2^31, so the product fits in an int64.
	return normalise(m.GetCurrencyCode(), units, int64(m.GetNanos())*int64(n))
}

// Sum adds amounts in currency; no amounts sum to Zero(currency).
func Sum(currency string, amounts ...*commercev1.Money) (*commercev1.Money, error) {
	total := Zero(currency)
	for _, m := range amounts {
		var err error
		if total, err = Add(total, m); err != nil {
			return nil, err
		}
	}
	return total, nil
}

// normalise folds nanos into units and gives both the same sign.
func normalise(currency string, units, nanos int64) (*commercev1.Money, error) {
	units, ok := addInt64(units, nanos/nanosPerUnit)
	if !ok {
		return nil, ErrOverflow
	}
	nanos %= nanosPerUnit
	switch {
	case units > 0 && nanos < 0:
		units--
		nanos += nanosPerUnit
	case units < 0 && nanos > 0:
		units++
		nanos -= nanosPerUnit
	}
	return &commercev1.Money{CurrencyCode: currency, Units: units, Nanos: int32(nanos)}, nil
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

func mulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	p := a * b
	if p/b != a {
		return 0, false
	}
	return p, true
}
