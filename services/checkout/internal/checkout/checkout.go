// Package checkout places orders: it orchestrates cart, catalog, currency, shipping, payment and
// email, then publishes the order event.
package checkout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"github.com/commerce-platform/commerce-ci/services/checkout/internal/money"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DefaultTimeout bounds a PlaceOrder whose caller set no deadline.
const DefaultTimeout = 15 * time.Second

// Peers are the services PlaceOrder calls; the generated gRPC clients satisfy them.
type Peers struct {
	Cart     commercev1.CartServiceClient
	Catalog  commercev1.ProductCatalogServiceClient
	Currency commercev1.CurrencyServiceClient
	Shipping commercev1.ShippingServiceClient
	Payment  commercev1.PaymentServiceClient
	Email    commercev1.EmailServiceClient
}

// Publisher emits the order event (the Redis stream in production).
type Publisher interface {
	Publish(ctx context.Context, order *commercev1.OrderResult) (string, error)
}

// Service implements CheckoutService.
type Service struct {
	commercev1.UnimplementedCheckoutServiceServer
	peers   Peers
	events  Publisher
	logger  *slog.Logger
	newID   func() string
	timeout time.Duration
}

// New returns a Service; newID makes order ids (uuid.NewString in production).
func New(peers Peers, events Publisher, logger *slog.Logger, newID func() string) *Service {
	return &Service{peers: peers, events: events, logger: logger, newID: newID, timeout: DefaultTimeout}
}

// PlaceOrder charges the user for their cart plus shipping, in their currency, ships it and
// confirms it.
//
// Nothing is charged unless every price and the shipping cost are known. Once the card is
// charged the order stands: failures to empty the cart, send the email or publish the event are
// logged, not returned, so that a client retry cannot charge twice.
func (s *Service) PlaceOrder(ctx context.Context, req *commercev1.PlaceOrderRequest) (*commercev1.PlaceOrderResponse, error) {
	if err := validate(req); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	currency := req.GetUserCurrency()

	cart, err := s.peers.Cart.GetCart(ctx, &commercev1.GetCartRequest{UserId: req.GetUserId()})
	if err != nil {
		return nil, peerError("get cart", err)
	}
	if len(cart.GetItems()) == 0 {
		return nil, status.Error(codes.FailedPrecondition, "cart is empty")
	}
	items, subtotal, err := s.priceItems(ctx, cart.GetItems(), currency)
	if err != nil {
		return nil, err
	}
	quote, err := s.peers.Shipping.GetQuote(ctx, &commercev1.GetShippingQuoteRequest{
		Address: req.GetAddress(), Items: cart.GetItems(),
	})
	if err != nil {
		return nil, peerError("shipping quote", err)
	}
	shipping, err := s.convert(ctx, quote.GetCostUsd(), currency)
	if err != nil {
		return nil, err
	}
	total, err := money.Add(subtotal, shipping)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "order total: %v", err)
	}

	charge, err := s.peers.Payment.Charge(ctx, &commercev1.ChargeRequest{Amount: total, CreditCard: req.GetCreditCard()})
	if err != nil {
		return nil, peerError("charge", err)
	}
	shipped, err := s.peers.Shipping.ShipOrder(ctx, &commercev1.ShipOrderRequest{
		Address: req.GetAddress(), Items: cart.GetItems(),
	})
	if err != nil {
		// The card is charged: the caller must know that shipping is what failed.
		s.logger.ErrorContext(ctx, "order charged but not shipped",
			"user_id", req.GetUserId(), "transaction_id", charge.GetTransactionId(), "error", err)
		return nil, peerError("ship order", err)
	}

	order := &commercev1.OrderResult{
		OrderId:            s.newID(),
		ShippingTrackingId: shipped.GetTrackingId(),
		ShippingCost:       shipping,
		ShippingAddress:    req.GetAddress(),
		Items:              items,
		Total:              total,
		UserId:             req.GetUserId(),
		Email:              req.GetEmail(),
		TransactionId:      charge.GetTransactionId(),
	}
	log := s.logger.With("order_id", order.GetOrderId(), "user_id", order.GetUserId())
	if _, err := s.peers.Cart.EmptyCart(ctx, &commercev1.EmptyCartRequest{UserId: req.GetUserId()}); err != nil {
		log.WarnContext(ctx, "order placed but the cart was not emptied", "error", err)
	}
	if _, err := s.peers.Email.SendOrderConfirmation(ctx, &commercev1.SendOrderConfirmationRequest{
		Email: req.GetEmail(), Order: order,
	}); err != nil {
		log.WarnContext(ctx, "order placed but the confirmation email failed", "error", err)
	}
	if id, err := s.events.Publish(ctx, order); err != nil {
		log.ErrorContext(ctx, "order placed but its event was not published", "error", err)
	} else {
		log.InfoContext(ctx, "order placed", "event_id", id,
			"total_units", total.GetUnits(), "total_nanos", total.GetNanos(), "currency", currency)
	}
	return &commercev1.PlaceOrderResponse{Order: order}, nil
}

// priceItems returns one OrderItem per cart line, whose cost is the unit price in currency,
// and the sum of unit price times quantity over all lines.
func (s *Service) priceItems(
	ctx context.Context, lines []*commercev1.CartItem, currency string,
) ([]*commercev1.OrderItem, *commercev1.Money, error) {
	items := make([]*commercev1.OrderItem, 0, len(lines))
	subtotal := money.Zero(currency)
	for _, line := range lines {
		if line.GetQuantity() <= 0 {
			return nil, nil, status.Errorf(codes.FailedPrecondition,
				"cart line %q has quantity %d", line.GetProductId(), line.GetQuantity())
		}
		product, err := s.peers.Catalog.GetProduct(ctx, &commercev1.GetProductRequest{Id: line.GetProductId()})
		if status.Code(err) == codes.NotFound {
			return nil, nil, status.Errorf(codes.FailedPrecondition, "cart holds unknown product %q", line.GetProductId())
		}
		if err != nil {
			return nil, nil, peerError("get product "+line.GetProductId(), err)
		}
		unit, err := s.convert(ctx, product.GetPriceUsd(), currency)
		if err != nil {
			return nil, nil, err
		}
		lineTotal, err := money.Multiply(unit, line.GetQuantity())
		if err == nil {
			subtotal, err = money.Add(subtotal, lineTotal)
		}
		if err != nil {
			return nil, nil, status.Errorf(codes.Internal, "price of %q: %v", line.GetProductId(), err)
		}
		items = append(items, &commercev1.OrderItem{Item: line, Cost: unit})
	}
	return items, subtotal, nil
}

// convert asks the currency service, always (USD to USD too, which keeps one code path), and
// refuses an answer that is not valid money in the requested currency.
func (s *Service) convert(ctx context.Context, from *commercev1.Money, to string) (*commercev1.Money, error) {
	if err := money.Validate(from); err != nil {
		return nil, status.Errorf(codes.Internal, "price to convert: %v", err)
	}
	out, err := s.peers.Currency.Convert(ctx, &commercev1.CurrencyConversionRequest{From: from, ToCode: to})
	if err != nil {
		return nil, peerError("convert currency", err)
	}
	if err := money.Validate(out); err != nil {
		return nil, status.Errorf(codes.Internal, "currency service answered %v: %v", out, err)
	}
	if out.GetCurrencyCode() != to {
		return nil, status.Errorf(codes.Internal, "currency service answered %s, asked for %s", out.GetCurrencyCode(), to)
	}
	return out, nil
}

func validate(req *commercev1.PlaceOrderRequest) error {
	var problems []error
	if req.GetUserId() == "" {
		problems = append(problems, errors.New("user_id is required"))
	}
	if c := req.GetUserCurrency(); len(c) != 3 {
		problems = append(problems, fmt.Errorf("user_currency %q is not an ISO 4217 code", c))
	}
	if req.GetEmail() == "" {
		problems = append(problems, errors.New("email is required"))
	}
	if req.GetAddress() == nil {
		problems = append(problems, errors.New("address is required"))
	}
	if req.GetCreditCard() == nil {
		problems = append(problems, errors.New("credit_card is required"))
	}
	return errors.Join(problems...)
}

// peerError keeps the peer's status code (a declined card stays InvalidArgument) and names the
// step that failed.
func peerError(step string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return status.Errorf(codes.Internal, "%s: %v", step, err)
	}
	return status.Errorf(st.Code(), "%s: %s", step, st.Message())
}
