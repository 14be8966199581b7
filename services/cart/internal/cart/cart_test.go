package cart

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeStore keeps carts in memory; a mutex makes Update atomic as the Store contract requires.
type fakeStore struct {
	mu    sync.Mutex
	carts map[string]map[string]int32
	err   error
}

func newFakeStore() *fakeStore { return &fakeStore{carts: map[string]map[string]int32{}} }

func (f *fakeStore) Items(_ context.Context, userID string) ([]Item, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	items := []Item{}
	for id, q := range f.carts[userID] {
		items = append(items, Item{ProductID: id, Quantity: q})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ProductID < items[j].ProductID })
	return items, nil
}

func (f *fakeStore) Update(_ context.Context, userID, productID string, change func(int32) (int32, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	next, err := change(f.carts[userID][productID])
	if err != nil {
		return err
	}
	if f.carts[userID] == nil {
		f.carts[userID] = map[string]int32{}
	}
	f.carts[userID][productID] = next
	return nil
}

func (f *fakeStore) Clear(_ context.Context, userID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.carts, userID)
	return f.err
}

var ctx = context.Background()

func items(t *testing.T, s *Service, user string) []Item {
	t.Helper()
	got, err := s.Get(ctx, user)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return got
}

func TestAddingTheSameProductTwiceMergesIntoOneLine(t *testing.T) {
	s := New(newFakeStore(), 10)
	for _, q := range []int32{2, 3} {
		if err := s.Add(ctx, "u1", "MUG", q); err != nil {
			t.Fatalf("Add: %v", err)
		}
	}
	if got, want := items(t, s, "u1"), []Item{{"MUG", 5}}; !slices.Equal(got, want) {
		t.Errorf("cart = %v, want %v", got, want)
	}
}

func TestDifferentProductsAreSeparateLinesOrderedByProductID(t *testing.T) {
	s := New(newFakeStore(), 10)
	_ = s.Add(ctx, "u1", "WATCH", 1)
	_ = s.Add(ctx, "u1", "MUG", 2)
	if got, want := items(t, s, "u1"), []Item{{"MUG", 2}, {"WATCH", 1}}; !slices.Equal(got, want) {
		t.Errorf("cart = %v, want %v", got, want)
	}
}

func TestQuantityMustBePositive(t *testing.T) {
	s := New(newFakeStore(), 10)
	for _, q := range []int32{0, -1} {
		if err := s.Add(ctx, "u1", "MUG", q); !errors.Is(err, ErrInvalid) {
			t.Errorf("Add(%d) = %v, want ErrInvalid", q, err)
		}
	}
	if got := items(t, s, "u1"); len(got) != 0 {
		t.Errorf("rejected additions changed the cart: %v", got)
	}
}

func TestUserAndProductIDsAreRequired(t *testing.T) {
	s := New(newFakeStore(), 10)
	if err := s.Add(ctx, "", "MUG", 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("no user: %v", err)
	}
	if err := s.Add(ctx, "u1", "", 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("no product: %v", err)
	}
	if _, err := s.Get(ctx, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("Get with no user: %v", err)
	}
	if err := s.Empty(ctx, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("Empty with no user: %v", err)
	}
}

func TestALineMayReachTheCapButNotPassIt(t *testing.T) {
	s := New(newFakeStore(), 10)
	if err := s.Add(ctx, "u1", "MUG", 7); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(ctx, "u1", "MUG", 4); !errors.Is(err, ErrLineCap) {
		t.Errorf("7+4 over a cap of 10: %v, want ErrLineCap", err)
	}
	if err := s.Add(ctx, "u1", "MUG", 3); err != nil {
		t.Errorf("7+3 up to the cap: %v", err)
	}
	if got, want := items(t, s, "u1"), []Item{{"MUG", 10}}; !slices.Equal(got, want) {
		t.Errorf("cart = %v, want %v", got, want)
	}
}

func TestASingleAdditionOverTheCapIsRejectedBeforeTheStore(t *testing.T) {
	store := newFakeStore()
	store.err = errors.New("store must not be reached")
	if err := New(store, 10).Add(ctx, "u1", "MUG", 11); !errors.Is(err, ErrLineCap) {
		t.Errorf("got %v, want ErrLineCap", err)
	}
}

func TestConcurrentAdditionsAllCount(t *testing.T) {
	s := New(newFakeStore(), 1000)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Add(ctx, "u1", "MUG", 2); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := items(t, s, "u1"); len(got) != 1 || got[0].Quantity != 100 {
		t.Errorf("cart = %v, want 100 mugs", got)
	}
}

func TestEmptyRemovesOnlyThatUsersCart(t *testing.T) {
	s := New(newFakeStore(), 10)
	_ = s.Add(ctx, "u1", "MUG", 1)
	_ = s.Add(ctx, "u2", "MUG", 1)
	if err := s.Empty(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if got := items(t, s, "u1"); len(got) != 0 {
		t.Errorf("u1 cart = %v", got)
	}
	if got := items(t, s, "u2"); len(got) != 1 {
		t.Errorf("u2 cart = %v", got)
	}
}

func TestServerMapsRuleViolationsAndStoreFailuresToCodes(t *testing.T) {
	store := newFakeStore()
	srv := &Server{Service: New(store, 5)}
	add := func(q int32) error {
		_, err := srv.AddItem(ctx, &commercev1.AddItemRequest{
			UserId: "u1", Item: &commercev1.CartItem{ProductId: "MUG", Quantity: q},
		})
		return err
	}
	if code := status.Code(add(0)); code != codes.InvalidArgument {
		t.Errorf("quantity 0: %v", code)
	}
	if code := status.Code(add(6)); code != codes.FailedPrecondition {
		t.Errorf("over the cap: %v", code)
	}
	store.err = errors.New("connection refused")
	if code := status.Code(add(1)); code != codes.Unavailable {
		t.Errorf("store down: %v", code)
	}
}

func TestGetCartReturnsTheLinesAsProtoItems(t *testing.T) {
	srv := &Server{Service: New(newFakeStore(), 5)}
	_, _ = srv.AddItem(ctx, &commercev1.AddItemRequest{UserId: "u1", Item: &commercev1.CartItem{ProductId: "MUG", Quantity: 2}})
	cart, err := srv.GetCart(ctx, &commercev1.GetCartRequest{UserId: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	if cart.GetUserId() != "u1" || len(cart.GetItems()) != 1 || cart.GetItems()[0].GetQuantity() != 2 {
		t.Errorf("cart = %v", cart)
	}
}
