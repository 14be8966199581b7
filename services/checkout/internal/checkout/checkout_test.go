package checkout

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"

	commercev1 "github.com/commerce-platform/commerce-ci/proto/commerce/v1"
	"github.com/commerce-platform/commerce-ci/services/checkout/internal/money"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// shop is a set of fake peers recording every call in order; fields configure failures.
type shop struct {
	calls    []string
	cart     []*commercev1.CartItem
	prices   map[string]*commercev1.Money // USD unit prices by product id
	shipping *commercev1.Money            // USD
	rate     int32                        // USD -> EUR multiplier, exact
	fail     map[string]error             // by call name
	charged  *commercev1.Money
	emailed  *commercev1.OrderResult
	events   []*commercev1.OrderResult
}

func (s *shop) call(name string) error {
	s.calls = append(s.calls, name)
	return s.fail[name]
}

type fakeCart struct{ *shop }

func (f fakeCart) AddItem(context.Context, *commercev1.AddItemRequest, ...grpc.CallOption) (*commercev1.Empty, error) {
	return nil, errors.New("not used")
}

func (f fakeCart) GetCart(_ context.Context, req *commercev1.GetCartRequest, _ ...grpc.CallOption) (*commercev1.Cart, error) {
	if err := f.call("GetCart"); err != nil {
		return nil, err
	}
	return &commercev1.Cart{UserId: req.GetUserId(), Items: f.cart}, nil
}

func (f fakeCart) EmptyCart(context.Context, *commercev1.EmptyCartRequest, ...grpc.CallOption) (*commercev1.Empty, error) {
	return &commercev1.Empty{}, f.call("EmptyCart")
}

type fakeCatalog struct{ *shop }

func (f fakeCatalog) ListProducts(context.Context, *commercev1.Empty, ...grpc.CallOption) (*commercev1.ListProductsResponse, error) {
	return nil, errors.New("not used")
}

func (f fakeCatalog) SearchProducts(context.Context, *commercev1.SearchProductsRequest, ...grpc.CallOption) (*commercev1.SearchProductsResponse, error) {
	return nil, errors.New("not used")
}

func (f fakeCatalog) GetProduct(_ context.Context, req *commercev1.GetProductRequest, _ ...grpc.CallOption) (*commercev1.Product, error) {
	if err := f.call("GetProduct"); err != nil {
		return nil, err
	}
	price, ok := f.prices[req.GetId()]
	if !ok {
		return nil, status.Error(codes.NotFound, "no such product")
	}
	return &commercev1.Product{Id: req.GetId(), PriceUsd: price}, nil
}

type fakeCurrency struct{ *shop }

func (f fakeCurrency) GetSupportedCurrencies(context.Context, *commercev1.Empty, ...grpc.CallOption) (*commercev1.GetSupportedCurrenciesResponse, error) {
	return nil, errors.New("not used")
}

func (f fakeCurrency) Convert(_ context.Context, req *commercev1.CurrencyConversionRequest, _ ...grpc.CallOption) (*commercev1.Money, error) {
	if err := f.call("Convert"); err != nil {
		return nil, err
	}
	if req.GetToCode() == "USD" {
		return req.GetFrom(), nil
	}
	out, err := money.Multiply(req.GetFrom(), f.rate)
	if err != nil {
		return nil, err
	}
	out.CurrencyCode = req.GetToCode()
	return out, nil
}

type fakeShipping struct{ *shop }

func (f fakeShipping) GetQuote(context.Context, *commercev1.GetShippingQuoteRequest, ...grpc.CallOption) (*commercev1.GetShippingQuoteResponse, error) {
	if err := f.call("GetQuote"); err != nil {
		return nil, err
	}
	return &commercev1.GetShippingQuoteResponse{CostUsd: f.shipping}, nil
}

func (f fakeShipping) ShipOrder(context.Context, *commercev1.ShipOrderRequest, ...grpc.CallOption) (*commercev1.ShipOrderResponse, error) {
	if err := f.call("ShipOrder"); err != nil {
		return nil, err
	}
	return &commercev1.ShipOrderResponse{TrackingId: "TRACK-1"}, nil
}

type fakePayment struct{ *shop }

func (f fakePayment) Charge(_ context.Context, req *commercev1.ChargeRequest, _ ...grpc.CallOption) (*commercev1.ChargeResponse, error) {
	if err := f.call("Charge"); err != nil {
		return nil, err
	}
	f.charged = req.GetAmount()
	return &commercev1.ChargeResponse{TransactionId: "TX-1"}, nil
}

type fakeEmail struct{ *shop }

func (f fakeEmail) SendOrderConfirmation(_ context.Context, req *commercev1.SendOrderConfirmationRequest, _ ...grpc.CallOption) (*commercev1.Empty, error) {
	if err := f.call("SendOrderConfirmation"); err != nil {
		return nil, err
	}
	f.emailed = req.GetOrder()
	return &commercev1.Empty{}, nil
}

type fakeEvents struct{ *shop }

func (f fakeEvents) Publish(_ context.Context, order *commercev1.OrderResult) (string, error) {
	if err := f.call("Publish"); err != nil {
		return "", err
	}
	f.events = append(f.events, order)
	return "1-0", nil
}

func usd(units int64, nanos int32) *commercev1.Money {
	return &commercev1.Money{CurrencyCode: "USD", Units: units, Nanos: nanos}
}

func eur(units int64, nanos int32) *commercev1.Money {
	return &commercev1.Money{CurrencyCode: "EUR", Units: units, Nanos: nanos}
}

func newShop() *shop {
	return &shop{
		cart: []*commercev1.CartItem{
			{ProductId: "MUG", Quantity: 3},
			{ProductId: "WATCH", Quantity: 1},
		},
		prices:   map[string]*commercev1.Money{"MUG": usd(8, 990_000_000), "WATCH": usd(109, 990_000_000)},
		shipping: usd(8, 990_000_000),
		rate:     2,
		fail:     map[string]error{},
	}
}

func (s *shop) service() *Service {
	peers := Peers{
		Cart: fakeCart{s}, Catalog: fakeCatalog{s}, Currency: fakeCurrency{s},
		Shipping: fakeShipping{s}, Payment: fakePayment{s}, Email: fakeEmail{s},
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return New(peers, fakeEvents{s}, logger, func() string { return "ORDER-1" })
}

func request(currency string) *commercev1.PlaceOrderRequest {
	return &commercev1.PlaceOrderRequest{
		UserId:       "u1",
		UserCurrency: currency,
		Address:      &commercev1.Address{StreetAddress: "1 Main St", City: "Springfield", Country: "US", ZipCode: "12345"},
		Email:        "someone@example.com",
		CreditCard:   &commercev1.CreditCardInfo{CreditCardNumber: "4432801561520454", CreditCardCvv: 672, CreditCardExpirationYear: 2030, CreditCardExpirationMonth: 1},
	}
}

var ctx = context.Background()

func TestTheChargeIsTheConvertedItemsTimesQuantitiesPlusShipping(t *testing.T) {
	s := newShop()
	resp, err := s.service().PlaceOrder(ctx, request("EUR"))
	if err != nil {
		t.Fatal(err)
	}
	// EUR = 2 x USD: mugs 3 x 17.98, watch 219.98, shipping 17.98.
	want := eur(291, 900_000_000)
	if !proto.Equal(s.charged, want) || !proto.Equal(resp.GetOrder().GetTotal(), want) {
		t.Errorf("charged %v, order total %v, want %v", s.charged, resp.GetOrder().GetTotal(), want)
	}
	if !proto.Equal(resp.GetOrder().GetShippingCost(), eur(17, 980_000_000)) {
		t.Errorf("shipping cost %v", resp.GetOrder().GetShippingCost())
	}
}

func TestOrderItemsCarryTheUnitPriceInTheUserCurrency(t *testing.T) {
	s := newShop()
	resp, err := s.service().PlaceOrder(ctx, request("EUR"))
	if err != nil {
		t.Fatal(err)
	}
	items := resp.GetOrder().GetItems()
	if len(items) != 2 || !proto.Equal(items[0].GetCost(), eur(17, 980_000_000)) || items[0].GetItem().GetQuantity() != 3 {
		t.Errorf("items = %v", items)
	}
}

func TestAPlacedOrderIsChargedShippedEmptiedConfirmedAndPublishedInThatOrder(t *testing.T) {
	s := newShop()
	resp, err := s.service().PlaceOrder(ctx, request("USD"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GetCart", "GetProduct", "Convert", "GetProduct", "Convert", "GetQuote", "Convert",
		"Charge", "ShipOrder", "EmptyCart", "SendOrderConfirmation", "Publish",
	}
	if !slices.Equal(s.calls, want) {
		t.Errorf("calls = %v\nwant    %v", s.calls, want)
	}
	order := resp.GetOrder()
	if order.GetOrderId() != "ORDER-1" || order.GetTransactionId() != "TX-1" ||
		order.GetShippingTrackingId() != "TRACK-1" || order.GetEmail() != "someone@example.com" {
		t.Errorf("order = %v", order)
	}
	if !proto.Equal(s.emailed, order) || len(s.events) != 1 || !proto.Equal(s.events[0], order) {
		t.Error("the email and the event must carry the order returned")
	}
}

func TestAnEmptyCartIsRefusedBeforeAnyCharge(t *testing.T) {
	s := newShop()
	s.cart = nil
	_, err := s.service().PlaceOrder(ctx, request("USD"))
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("err = %v, want FailedPrecondition", err)
	}
	if slices.Contains(s.calls, "Charge") {
		t.Error("charged for an empty cart")
	}
}

func TestAnUnknownProductFailsTheOrderBeforeAnyCharge(t *testing.T) {
	s := newShop()
	delete(s.prices, "WATCH")
	_, err := s.service().PlaceOrder(ctx, request("USD"))
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("err = %v, want FailedPrecondition", err)
	}
	if slices.Contains(s.calls, "Charge") {
		t.Error("charged with an unknown product in the cart")
	}
}

func TestADeclinedCardKeepsItsCodeAndNothingShipsOrIsPublished(t *testing.T) {
	s := newShop()
	s.fail["Charge"] = status.Error(codes.InvalidArgument, "card expired")
	_, err := s.service().PlaceOrder(ctx, request("USD"))
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("err = %v, want InvalidArgument", err)
	}
	for _, call := range []string{"ShipOrder", "EmptyCart", "SendOrderConfirmation", "Publish"} {
		if slices.Contains(s.calls, call) {
			t.Errorf("%s after a declined charge", call)
		}
	}
}

func TestAFailingCurrencyServiceFailsTheOrderBeforeAnyCharge(t *testing.T) {
	s := newShop()
	s.fail["Convert"] = status.Error(codes.Unavailable, "connection refused")
	_, err := s.service().PlaceOrder(ctx, request("EUR"))
	if status.Code(err) != codes.Unavailable {
		t.Errorf("err = %v, want Unavailable", err)
	}
	if slices.Contains(s.calls, "Charge") {
		t.Error("charged without prices")
	}
}

func TestAConversionAnsweringAnotherCurrencyIsRefused(t *testing.T) {
	s := newShop()
	// The fake converts to USD by returning the amount as is, so this price comes back in EUR.
	s.prices["MUG"] = eur(1, 0)
	_, err := s.service().PlaceOrder(ctx, request("USD"))
	if status.Code(err) != codes.Internal || slices.Contains(s.calls, "Charge") {
		t.Errorf("err = %v, calls = %v", err, s.calls)
	}
}

func TestAfterTheChargeEmailAndEventFailuresDoNotFailTheOrder(t *testing.T) {
	s := newShop()
	s.fail["EmptyCart"] = errors.New("redis down")
	s.fail["SendOrderConfirmation"] = status.Error(codes.Unavailable, "email down")
	s.fail["Publish"] = errors.New("redis down")
	resp, err := s.service().PlaceOrder(ctx, request("USD"))
	if err != nil || resp.GetOrder().GetTransactionId() != "TX-1" {
		t.Errorf("resp = %v, err = %v", resp, err)
	}
}

func TestAnInvalidRequestCallsNoPeer(t *testing.T) {
	s := newShop()
	req := request("USD")
	req.CreditCard = nil
	req.UserCurrency = "dollars"
	_, err := s.service().PlaceOrder(ctx, req)
	if status.Code(err) != codes.InvalidArgument || len(s.calls) != 0 {
		t.Errorf("err = %v, calls = %v", err, s.calls)
	}
}
