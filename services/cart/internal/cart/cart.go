// Package cart holds the cart rules, independent of where carts are stored.
package cart

import (
	"context"
	"errors"
	"fmt"
)

// DefaultMaxPerLine caps the quantity of one product in one cart.
const DefaultMaxPerLine int32 = 99

var (
	// ErrInvalid marks a request that breaks a rule on its own (missing ids, quantity <= 0).
	ErrInvalid = errors.New("invalid cart request")
	// ErrLineCap marks an addition that would take a line past the per-line cap.
	ErrLineCap = errors.New("cart line quantity cap exceeded")
)

// Item is one cart line.
type Item struct {
	ProductID string
	Quantity  int32
}

// Store keeps carts. Update must apply change atomically with respect to other updates of the
// same line (the Redis store uses an optimistic transaction), so concurrent additions of the
// same product merge instead of overwriting each other.
type Store interface {
	// Items returns the lines of the user's cart ordered by product id; an unknown user has none.
	Items(ctx context.Context, userID string) ([]Item, error)
	// Update replaces the line's quantity (0 when absent) with change's result; an error from
	// change leaves the cart untouched and is returned as is.
	Update(ctx context.Context, userID, productID string, change func(current int32) (int32, error)) error
	// Clear removes the user's cart.
	Clear(ctx context.Context, userID string) error
}

// Service applies the cart rules on top of a Store.
type Service struct {
	store      Store
	maxPerLine int32
}

// New returns a Service capping every line at maxPerLine.
func New(store Store, maxPerLine int32) *Service {
	return &Service{store: store, maxPerLine: maxPerLine}
}

// Add merges quantity of productID into the user's cart.
func (s *Service) Add(ctx context.Context, userID, productID string, quantity int32) error {
	switch {
	case userID == "":
		return fmt.Errorf("%w: user id is required", ErrInvalid)
	case productID == "":
		return fmt.Errorf("%w: product id is required", ErrInvalid)
	case quantity <= 0:
		return fmt.Errorf("%w: quantity must be positive, got %d", ErrInvalid, quantity)
	case quantity > s.maxPerLine:
		return fmt.Errorf("%w: %d of %q, at most %d per line", ErrLineCap, quantity, productID, s.maxPerLine)
	}
	return s.store.Update(ctx, userID, productID, func(current int32) (int32, error) {
		// Both operands are within [0, maxPerLine], so the sum cannot overflow int32.
		if merged := current + quantity; merged <= s.maxPerLine {
			return merged, nil
		}
		return 0, fmt.Errorf("%w: %d of %q already in the cart, %d more would pass %d",
			ErrLineCap, current, productID, quantity, s.maxPerLine)
	})
}

// Get returns the user's cart lines ordered by product id.
func (s *Service) Get(ctx context.Context, userID string) ([]Item, error) {
	if userID == "" {
		return nil, fmt.Errorf("%w: user id is required", ErrInvalid)
	}
	return s.store.Items(ctx, userID)
}

// Empty removes every line of the user's cart.
func (s *Service) Empty(ctx context.Context, userID string) error {
	if userID == "" {
		return fmt.Errorf("%w: user id is required", ErrInvalid)
	}
	return s.store.Clear(ctx, userID)
}
