//! The shipping rules: what a shipment must carry, how its quote is asked for.

use tonic::{Request, Response, Status};
use tracing::info;

use crate::pb::shipping_service_server::ShippingService;
use crate::pb::{
    Address, CartItem, GetShippingQuoteRequest, GetShippingQuoteResponse, ShipOrderRequest,
    ShipOrderResponse,
};
use crate::quotes::QuoteSource;
use crate::tracking;

pub struct Shipping<Q> {
    quotes: Q,
}

impl<Q: QuoteSource> Shipping<Q> {
    pub fn new(quotes: Q) -> Self {
        Self { quotes }
    }
}

/// Total number of items in a shipment; every line must hold at least one.
pub fn item_count(items: &[CartItem]) -> Result<i32, Status> {
    items.iter().try_fold(0i32, |total, item| {
        if item.quantity <= 0 {
            return Err(Status::invalid_argument(format!(
                "quantity of {:?} must be positive, got {}",
                item.product_id, item.quantity
            )));
        }
        total
            .checked_add(item.quantity)
            .ok_or_else(|| Status::invalid_argument("too many items in one shipment"))
    })
}

/// A shipment needs somewhere to go.
pub fn check_address(address: Option<&Address>) -> Result<(), Status> {
    let address = address.ok_or_else(|| Status::invalid_argument("address is required"))?;
    let missing: Vec<&str> = [
        ("street_address", &address.street_address),
        ("city", &address.city),
        ("country", &address.country),
        ("zip_code", &address.zip_code),
    ]
    .into_iter()
    .filter(|(_, value)| value.trim().is_empty())
    .map(|(name, _)| name)
    .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Status::invalid_argument(format!(
            "address lacks {}",
            missing.join(", ")
        )))
    }
}

#[tonic::async_trait]
impl<Q: QuoteSource> ShippingService for Shipping<Q> {
    async fn get_quote(
        &self,
        request: Request<GetShippingQuoteRequest>,
    ) -> Result<Response<GetShippingQuoteResponse>, Status> {
        let request = request.into_inner();
        let count = item_count(&request.items)?;
        let cost = self.quotes.quote(count).await?;
        info!(items = count, "quoted shipment");
        Ok(Response::new(GetShippingQuoteResponse {
            cost_usd: Some(cost),
        }))
    }

    async fn ship_order(
        &self,
        request: Request<ShipOrderRequest>,
    ) -> Result<Response<ShipOrderResponse>, Status> {
        let request = request.into_inner();
        check_address(request.address.as_ref())?;
        if request.items.is_empty() {
            return Err(Status::invalid_argument("nothing to ship"));
        }
        let count = item_count(&request.items)?;
        let tracking_id = tracking::tracking_id(&mut rand::rng());
        info!(items = count, tracking_id = %tracking_id, "shipment registered");
        Ok(Response::new(ShipOrderResponse { tracking_id }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::pb::Money;
    use tonic::Code;

    /// Prices 1.25 USD per item and remembers what it was asked.
    #[derive(Default)]
    struct FakeQuotes {
        asked: Mutex<Vec<i32>>,
    }

    #[tonic::async_trait]
    impl QuoteSource for FakeQuotes {
        async fn quote(&self, item_count: i32) -> Result<Money, Status> {
            self.asked.lock().unwrap().push(item_count);
            let nanos = i64::from(item_count) * 1_250_000_000;
            Ok(Money {
                currency_code: "USD".into(),
                units: nanos / 1_000_000_000,
                nanos: i32::try_from(nanos % 1_000_000_000).unwrap(),
            })
        }
    }

    struct DownQuotes;

    #[tonic::async_trait]
    impl QuoteSource for DownQuotes {
        async fn quote(&self, _item_count: i32) -> Result<Money, Status> {
            Err(Status::unavailable("quote is down"))
        }
    }

    fn item(product_id: &str, quantity: i32) -> CartItem {
        CartItem {
            product_id: product_id.into(),
            quantity,
        }
    }

    fn address() -> Address {
        Address {
            street_address: "1 Main St".into(),
            city: "Springfield".into(),
            state: "IL".into(),
            country: "US".into(),
            zip_code: "62701".into(),
        }
    }

    #[test]
    fn item_count_adds_the_quantities_of_every_line() {
        assert_eq!(item_count(&[item("a", 2), item("b", 3)]).unwrap(), 5);
        assert_eq!(item_count(&[]).unwrap(), 0);
    }

    #[test]
    fn item_count_rejects_empty_or_negative_lines() {
        let err = item_count(&[item("a", 2), item("b", 0)]).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(err.message().contains("\"b\""));
        assert!(item_count(&[item("a", -1)]).is_err());
    }

    #[test]
    fn item_count_refuses_to_overflow() {
        assert!(item_count(&[item("a", i32::MAX), item("b", 1)]).is_err());
    }

    #[test]
    fn an_address_needs_street_city_country_and_zip() {
        assert!(check_address(Some(&address())).is_ok());
        let partial = Address {
            city: " ".into(),
            zip_code: String::new(),
            ..address()
        };
        let err = check_address(Some(&partial)).unwrap_err();
        assert_eq!(err.message(), "address lacks city, zip_code");
        assert!(check_address(None).is_err());
    }

    #[tokio::test]
    async fn a_quote_asks_the_quote_service_for_the_total_item_count() {
        let shipping = Shipping::new(FakeQuotes::default());
        let request = GetShippingQuoteRequest {
            address: Some(address()),
            items: vec![item("a", 2), item("b", 1)],
        };
        let response = shipping.get_quote(Request::new(request)).await.unwrap();
        let cost = response.into_inner().cost_usd.unwrap();
        assert_eq!((cost.units, cost.nanos), (3, 750_000_000));
        assert_eq!(*shipping.quotes.asked.lock().unwrap(), vec![3]);
    }

    #[tokio::test]
    async fn a_quote_passes_on_the_quote_services_failure() {
        let shipping = Shipping::new(DownQuotes);
        let request = GetShippingQuoteRequest {
            address: None,
            items: vec![item("a", 1)],
        };
        let err = shipping.get_quote(Request::new(request)).await.unwrap_err();
        assert_eq!(err.code(), Code::Unavailable);
    }

    #[tokio::test]
    async fn shipping_an_order_returns_a_tracking_id() {
        let shipping = Shipping::new(DownQuotes);
        let request = ShipOrderRequest {
            address: Some(address()),
            items: vec![item("a", 1)],
        };
        let response = shipping.ship_order(Request::new(request)).await.unwrap();
        assert!(response.into_inner().tracking_id.starts_with("SHP-"));
    }

    #[tokio::test]
    async fn shipping_nothing_is_refused() {
        let shipping = Shipping::new(DownQuotes);
        let request = ShipOrderRequest {
            address: Some(address()),
            items: vec![],
        };
        let err = shipping
            .ship_order(Request::new(request))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
    }
}
