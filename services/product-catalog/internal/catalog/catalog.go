// Package catalog holds the product list: loading and validating it, lookup and search.
package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Embedded so that the binary is the whole runtime; a file given at run time can replace it.
//
//go:embed products.json
var defaultProducts []byte

// ErrNotFound is returned by Get for an unknown product id.
var ErrNotFound = errors.New("product not found")

const maxNanos = 999_999_999

// Catalog is immutable after loading, so it is safe for concurrent use without locks.
type Catalog struct {
	products []*commercev1.Product
	byID     map[string]*commercev1.Product
}

// Default returns the catalog shipped with the service.
func Default() (*Catalog, error) {
	return Parse(defaultProducts)
}

// Parse reads {"products": [...]} in the proto JSON mapping and validates every product.
func Parse(data []byte) (*Catalog, error) {
	var list commercev1.ListProductsResponse
	if err := protojson.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("catalog json: %w", err)
	}
	c := &Catalog{byID: make(map[string]*commercev1.Product, len(list.GetProducts()))}
	for i, p := range list.GetProducts() {
		if err := validate(p); err != nil {
			return nil, fmt.Errorf("product %d (%q): %w", i, p.GetId(), err)
		}
		if _, dup := c.byID[p.GetId()]; dup {
			return nil, fmt.Errorf("product %d: duplicate id %q", i, p.GetId())
		}
		c.byID[p.GetId()] = p
		c.products = append(c.products, p)
	}
	return c, nil
}

func validate(p *commercev1.Product) error {
	switch {
	case p.GetId() == "":
		return errors.New("empty id")
	case p.GetName() == "":
		return errors.New("empty name")
	case p.GetPriceUsd() == nil:
		return errors.New("no price")
	}
	price := p.GetPriceUsd()
	if price.GetCurrencyCode() != "USD" {
		return fmt.Errorf("price currency %q, want USD", price.GetCurrencyCode())
	}
	units, nanos := price.GetUnits(), price.GetNanos()
	if nanos < -maxNanos || nanos > maxNanos {
		return fmt.Errorf("price nanos %d out of range", nanos)
	}
	if units < 0 || nanos < 0 {
		return errors.New("negative price")
	}
	return nil
}

// List returns every product in catalog order. Callers must not modify the products.
func (c *Catalog) List() []*commercev1.Product {
	return c.products
}

// Get returns the product with id, or ErrNotFound.
func (c *Catalog) Get(id string) (*commercev1.Product, error) {
	p, ok := c.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return p, nil
}

// Search returns, in catalog order, the products whose name, description or categories contain
// every word of query, ignoring case. A query with no words matches nothing.
func (c *Catalog) Search(query string) []*commercev1.Product {
	terms := strings.Fields(strings.ToLower(query))
	if len(terms) == 0 {
		return nil
	}
	var results []*commercev1.Product
	for _, p := range c.products {
		text := strings.ToLower(strings.Join(
			append([]string{p.GetName(), p.GetDescription()}, p.GetCategories()...), "\n",
		))
		if containsAll(text, terms) {
			results = append(results, p)
		}
	}
	return results
}

func containsAll(text string, terms []string) bool {
	for _, term := range terms {
		if !strings.Contains(text, term) {
			return false
		}
	}
	return true
}
