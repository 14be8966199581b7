package money

import (
	"errors"
	"math"
	"testing"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"google.golang.org/protobuf/proto"
)

func usd(units int64, nanos int32) *commercev1.Money {
	return &commercev1.Money{CurrencyCode: "USD", Units: units, Nanos: nanos}
}

func assertMoney(t *testing.T, got *commercev1.Money, err error, want *commercev1.Money) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if !proto.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestAddCarriesNanosIntoUnits(t *testing.T) {
	got, err := Add(usd(1, 600_000_000), usd(2, 500_000_000))
	assertMoney(t, got, err, usd(4, 100_000_000))
}

func TestAddIsExactWhereFloatsAreNot(t *testing.T) {
	// 0.1 + 0.2 is 0.30000000000000004 in float64.
	got, err := Add(usd(0, 100_000_000), usd(0, 200_000_000))
	assertMoney(t, got, err, usd(0, 300_000_000))
}

func TestAddOfOppositeSignsKeepsUnitsAndNanosInOneSign(t *testing.T) {
	got, err := Add(usd(5, 0), usd(-1, -500_000_000))
	assertMoney(t, got, err, usd(3, 500_000_000))
	got, err = Add(usd(1, 0), usd(-3, -250_000_000))
	assertMoney(t, got, err, usd(-2, -250_000_000))
	got, err = Add(usd(0, 300_000_000), usd(0, -700_000_000))
	assertMoney(t, got, err, usd(0, -400_000_000))
}

func TestAddRefusesTwoCurrencies(t *testing.T) {
	eur := &commercev1.Money{CurrencyCode: "EUR", Units: 1}
	if _, err := Add(usd(1, 0), eur); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("err = %v, want ErrCurrencyMismatch", err)
	}
}

func TestAddReportsOverflowInsteadOfWrapping(t *testing.T) {
	if _, err := Add(usd(math.MaxInt64, 600_000_000), usd(0, 500_000_000)); !errors.Is(err, ErrOverflow) {
		t.Errorf("nanos carry past MaxInt64: %v", err)
	}
	if _, err := Add(usd(math.MaxInt64, 0), usd(1, 0)); !errors.Is(err, ErrOverflow) {
		t.Errorf("units past MaxInt64: %v", err)
	}
}

func TestInvalidAmountsAreRejected(t *testing.T) {
	cases := map[string]*commercev1.Money{
		"nil":              nil,
		"no currency":      {Units: 1},
		"nanos too large":  usd(0, 1_000_000_000),
		"nanos too small":  usd(0, -1_000_000_000),
		"signs disagree":   usd(1, -1),
		"signs disagree 2": usd(-1, 1),
	}
	for name, m := range cases {
		if _, err := Add(m, usd(1, 0)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestMultiplyCarriesNanosIntoUnits(t *testing.T) {
	got, err := Multiply(usd(19, 990_000_000), 3)
	assertMoney(t, got, err, usd(59, 970_000_000))
}

func TestMultiplyByZeroAndNegativeQuantities(t *testing.T) {
	got, err := Multiply(usd(19, 990_000_000), 0)
	assertMoney(t, got, err, usd(0, 0))
	got, err = Multiply(usd(2, 500_000_000), -2)
	assertMoney(t, got, err, usd(-5, 0))
}

func TestMultiplyByTheLargestQuantityStaysExact(t *testing.T) {
	got, err := Multiply(usd(0, 999_999_999), math.MaxInt32)
	// 0.999999999 * 2147483647 = 2147483644.852516353
	assertMoney(t, got, err, usd(2_147_483_644, 852_516_353))
}

func TestMultiplyReportsOverflow(t *testing.T) {
	if _, err := Multiply(usd(math.MaxInt64/2+1, 0), 2); !errors.Is(err, ErrOverflow) {
		t.Errorf("err = %v, want ErrOverflow", err)
	}
}

func TestSumOfNothingIsZeroInTheCurrency(t *testing.T) {
	got, err := Sum("EUR")
	assertMoney(t, got, err, &commercev1.Money{CurrencyCode: "EUR"})
}

func TestSumAddsEveryAmount(t *testing.T) {
	got, err := Sum("USD", usd(8, 990_000_000), usd(8, 990_000_000), usd(8, 990_000_000), usd(0, 30_000_000))
	assertMoney(t, got, err, usd(27, 0))
}
