package cart

import (
	"context"
	"errors"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Server exposes a Service as the CartService.
type Server struct {
	commercev1.UnimplementedCartServiceServer
	Service *Service
}

// AddItem adds (merges) one line into the user's cart.
func (s *Server) AddItem(ctx context.Context, req *commercev1.AddItemRequest) (*commercev1.Empty, error) {
	item := req.GetItem()
	if err := s.Service.Add(ctx, req.GetUserId(), item.GetProductId(), item.GetQuantity()); err != nil {
		return nil, toStatus(err)
	}
	return &commercev1.Empty{}, nil
}

// GetCart returns the user's cart; an unknown user has an empty one.
func (s *Server) GetCart(ctx context.Context, req *commercev1.GetCartRequest) (*commercev1.Cart, error) {
	items, err := s.Service.Get(ctx, req.GetUserId())
	if err != nil {
		return nil, toStatus(err)
	}
	out := &commercev1.Cart{UserId: req.GetUserId(), Items: make([]*commercev1.CartItem, 0, len(items))}
	for _, it := range items {
		out.Items = append(out.Items, &commercev1.CartItem{ProductId: it.ProductID, Quantity: it.Quantity})
	}
	return out, nil
}

// EmptyCart removes the user's cart.
func (s *Server) EmptyCart(ctx context.Context, req *commercev1.EmptyCartRequest) (*commercev1.Empty, error) {
	if err := s.Service.Empty(ctx, req.GetUserId()); err != nil {
		return nil, toStatus(err)
	}
	return &commercev1.Empty{}, nil
}

// toStatus keeps rule violations distinguishable for callers; anything else is the store failing.
func toStatus(err error) error {
	switch {
	case errors.Is(err, ErrInvalid):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, ErrLineCap):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err).Err()
	default:
		return status.Error(codes.Unavailable, "cart store: "+err.Error())
	}
}
