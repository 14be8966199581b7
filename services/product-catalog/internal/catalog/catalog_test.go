package catalog

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const small = `{"products": [
  {"id": "A", "name": "Red Mug", "description": "Stoneware mug", "price_usd": {"currency_code": "USD", "units": 8, "nanos": 990000000}, "categories": ["kitchen"]},
  {"id": "B", "name": "Watch", "description": "Steel case, leather strap", "price_usd": {"currency_code": "USD", "units": 109}, "categories": ["accessories"]},
  {"id": "C", "name": "Tote", "description": "Red canvas bag", "price_usd": {"currency_code": "USD", "units": 12}, "categories": ["accessories", "bags"]}
]}`

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Parse([]byte(small))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func ids(products []*commercev1.Product) []string {
	out := make([]string, 0, len(products))
	for _, p := range products {
		out = append(out, p.GetId())
	}
	return out
}

func TestShippedCatalogIsValidAndHasAboutTenProducts(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	if n := len(c.List()); n < 10 {
		t.Errorf("%d products, want at least 10", n)
	}
	for _, p := range c.List() {
		if len(p.GetCategories()) == 0 {
			t.Errorf("%s has no category", p.GetId())
		}
	}
}

func TestGetReturnsTheProductWithThatID(t *testing.T) {
	p, err := load(t).Get("B")
	if err != nil || p.GetName() != "Watch" {
		t.Fatalf("Get(B) = %v, %v", p, err)
	}
	if p.GetPriceUsd().GetUnits() != 109 {
		t.Errorf("price = %v", p.GetPriceUsd())
	}
}

func TestGetOfAnUnknownIDIsNotFound(t *testing.T) {
	if _, err := load(t).Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestSearchMatchesNameDescriptionAndCategoryIgnoringCase(t *testing.T) {
	c := load(t)
	cases := map[string][]string{
		"MUG":         {"A"},
		"leather":     {"B"},
		"accessories": {"B", "C"},
		"red":         {"A", "C"},
	}
	for query, want := range cases {
		if got := ids(c.Search(query)); !slices.Equal(got, want) {
			t.Errorf("Search(%q) = %v, want %v", query, got, want)
		}
	}
}

func TestSearchNeedsEveryWordToMatch(t *testing.T) {
	if got := ids(load(t).Search("red  bags")); !slices.Equal(got, []string{"C"}) {
		t.Errorf("got %v, want [C]", got)
	}
}

func TestBlankSearchMatchesNothing(t *testing.T) {
	if got := load(t).Search("   "); len(got) != 0 {
		t.Errorf("got %v", ids(got))
	}
}

func TestParseRejectsInvalidCatalogs(t *testing.T) {
	cases := map[string]string{
		"duplicate id":  `{"products": [{"id": "A", "name": "x", "price_usd": {"currency_code": "USD"}}, {"id": "A", "name": "y", "price_usd": {"currency_code": "USD"}}]}`,
		"non-USD price": `{"products": [{"id": "A", "name": "x", "price_usd": {"currency_code": "EUR", "units": 1}}]}`,
		"nanos range":   `{"products": [{"id": "A", "name": "x", "price_usd": {"currency_code": "USD", "nanos": 1000000000}}]}`,
		"negative":      `{"products": [{"id": "A", "name": "x", "price_usd": {"currency_code": "USD", "units": -1}}]}`,
		"no price":      `{"products": [{"id": "A", "name": "x"}]}`,
		"not json":      `{"products": [`,
	}
	for name, data := range cases {
		if _, err := Parse([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestGetProductMapsUnknownIDsToNotFound(t *testing.T) {
	srv := &Server{Catalog: load(t)}
	_, err := srv.GetProduct(context.Background(), &commercev1.GetProductRequest{Id: "zzz"})
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), "zzz") {
		t.Errorf("err = %v, want NotFound naming the id", err)
	}
	_, err = srv.GetProduct(context.Background(), &commercev1.GetProductRequest{})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("empty id: err = %v, want InvalidArgument", err)
	}
}

func TestSearchProductsReturnsMatches(t *testing.T) {
	srv := &Server{Catalog: load(t)}
	resp, err := srv.SearchProducts(context.Background(), &commercev1.SearchProductsRequest{Query: "tote"})
	if err != nil || !slices.Equal(ids(resp.GetResults()), []string{"C"}) {
		t.Errorf("got %v, %v", resp, err)
	}
}
