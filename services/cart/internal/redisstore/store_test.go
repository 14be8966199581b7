package redisstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/commerce-platform/commerce-ci/services/cart/internal/cart"
	"github.com/redis/go-redis/v9"
)

// These tests run the store's real Redis commands (WATCH/MULTI, HSET, EXPIRE) against miniredis,
// an in-process Redis server, so they need no Redis installed.
func setup(t *testing.T) (*Store, *miniredis.Miniredis) {
	t.Helper()
	server := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: server.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	return New(client, time.Hour), server
}

var ctx = context.Background()

func add(n int32) func(int32) (int32, error) {
	return func(current int32) (int32, error) { return current + n, nil }
}

func TestUpdateStartsAbsentLinesAtZeroAndStoresTheResult(t *testing.T) {
	store, server := setup(t)
	if err := store.Update(ctx, "u1", "MUG", add(2)); err != nil {
		t.Fatal(err)
	}
	if err := store.Update(ctx, "u1", "MUG", add(3)); err != nil {
		t.Fatal(err)
	}
	if got := server.HGet("cart:u1", "MUG"); got != "5" {
		t.Errorf("hash field = %q, want 5", got)
	}
}

func TestWritesRenewTheCartExpiry(t *testing.T) {
	store, server := setup(t)
	_ = store.Update(ctx, "u1", "MUG", add(1))
	if ttl := server.TTL("cart:u1"); ttl != time.Hour {
		t.Errorf("ttl = %v, want 1h", ttl)
	}
}

func TestARefusedChangeLeavesTheLineAsItWas(t *testing.T) {
	store, server := setup(t)
	_ = store.Update(ctx, "u1", "MUG", add(4))
	refused := errors.New("over the cap")
	err := store.Update(ctx, "u1", "MUG", func(int32) (int32, error) { return 0, refused })
	if !errors.Is(err, refused) {
		t.Errorf("err = %v, want the change's own error", err)
	}
	if got := server.HGet("cart:u1", "MUG"); got != "4" {
		t.Errorf("hash field = %q, want 4", got)
	}
}

func TestItemsAreOrderedByProductIDAndClearRemovesThem(t *testing.T) {
	store, _ := setup(t)
	_ = store.Update(ctx, "u1", "WATCH", add(1))
	_ = store.Update(ctx, "u1", "MUG", add(2))
	got, err := store.Items(ctx, "u1")
	if want := []cart.Item{{ProductID: "MUG", Quantity: 2}, {ProductID: "WATCH", Quantity: 1}}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("Items = %v, %v; want %v", got, err, want)
	}
	if err := store.Clear(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.Items(ctx, "u1"); len(got) != 0 {
		t.Errorf("after Clear: %v", got)
	}
}

func TestACorruptQuantityIsAnError(t *testing.T) {
	store, server := setup(t)
	server.HSet("cart:u1", "MUG", "lots")
	if _, err := store.Items(ctx, "u1"); err == nil {
		t.Error("Items accepted a non-numeric quantity")
	}
}

func TestAWriteBetweenReadAndCommitIsRetriedNotLost(t *testing.T) {
	store, server := setup(t)
	raced := false
	err := store.Update(ctx, "u1", "MUG", func(current int32) (int32, error) {
		if !raced {
			raced = true
			server.HSet("cart:u1", "MUG", "10") // another writer commits first
		}
		return current + 1, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := server.HGet("cart:u1", "MUG"); got != "11" {
		t.Errorf("hash field = %q, want 11 (the retry saw the other write)", got)
	}
}
