// Package redisstore keeps carts in Redis: one hash per user, product id -> quantity.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/commerce-platform/commerce-ci/services/cart/internal/cart"
	"github.com/redis/go-redis/v9"
)

// maxAttempts bounds the optimistic-transaction retries of one Update under contention.
const maxAttempts = 10

// ErrContention is returned when an Update lost every optimistic-transaction race.
var ErrContention = errors.New("cart line kept changing under concurrent updates")

// Store implements cart.Store; every write renews the cart's expiry.
type Store struct {
	client *redis.Client
	ttl    time.Duration
}

var _ cart.Store = (*Store)(nil)

// New returns a Store whose carts expire ttl after their last change.
func New(client *redis.Client, ttl time.Duration) *Store {
	return &Store{client: client, ttl: ttl}
}

func key(userID string) string { return "cart:" + userID }

// Items reads the whole hash; quantities that are not int32 mean a corrupt cart.
func (s *Store) Items(ctx context.Context, userID string) ([]cart.Item, error) {
	fields, err := s.client.HGetAll(ctx, key(userID)).Result()
	if err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	items := make([]cart.Item, 0, len(fields))
	for productID, raw := range fields {
		quantity, err := parseQuantity(raw)
		if err != nil {
			return nil, fmt.Errorf("cart of %q, product %q: %w", userID, productID, err)
		}
		items = append(items, cart.Item{ProductID: productID, Quantity: quantity})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ProductID < items[j].ProductID })
	return items, nil
}

// Update is a WATCH/MULTI transaction on the user's hash, retried when another writer won.
func (s *Store) Update(
	ctx context.Context, userID, productID string, change func(current int32) (int32, error),
) error {
	k := key(userID)
	txn := func(tx *redis.Tx) error {
		current := int32(0)
		raw, err := tx.HGet(ctx, k, productID).Result()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return fmt.Errorf("read cart line: %w", err)
		default:
			if current, err = parseQuantity(raw); err != nil {
				return err
			}
		}
		next, err := change(current)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.HSet(ctx, k, productID, next)
			pipe.Expire(ctx, k, s.ttl)
			return nil
		})
		return err
	}
	for range maxAttempts {
		err := s.client.Watch(ctx, txn, k)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return ErrContention
}

// Clear deletes the user's hash.
func (s *Store) Clear(ctx context.Context, userID string) error {
	if err := s.client.Del(ctx, key(userID)).Err(); err != nil {
		return fmt.Errorf("clear cart: %w", err)
	}
	return nil
}

func parseQuantity(raw string) (int32, error) {
	q, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("bad quantity %q: %w", raw, err)
	}
	return int32(q), nil
}
