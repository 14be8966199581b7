package catalog

import (
	"context"
	"errors"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Server exposes a Catalog as the ProductCatalogService.
type Server struct {
	commercev1.UnimplementedProductCatalogServiceServer
	Catalog *Catalog
}

// ListProducts returns the whole catalog.
func (s *Server) ListProducts(context.Context, *commercev1.Empty) (*commercev1.ListProductsResponse, error) {
	return &commercev1.ListProductsResponse{Products: s.Catalog.List()}, nil
}

// GetProduct maps an unknown id to NotFound, which callers (checkout) turn into their own error.
func (s *Server) GetProduct(_ context.Context, req *commercev1.GetProductRequest) (*commercev1.Product, error) {
	if req.GetId() == "" {
		return nil, status.Error(codes.InvalidArgument, "product id is required")
	}
	p, err := s.Catalog.Get(req.GetId())
	if errors.Is(err, ErrNotFound) {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	return p, err
}

// SearchProducts matches the query words against names, descriptions and categories.
func (s *Server) SearchProducts(
	_ context.Context, req *commercev1.SearchProductsRequest,
) (*commercev1.SearchProductsResponse, error) {
	return &commercev1.SearchProductsResponse{Results: s.Catalog.Search(req.GetQuery())}, nil
}
