//! The gRPC face of the rate table: request validation and error codes.

use tonic::{Request, Response, Status};
use tracing::info;

use crate::pb::currency_service_server::CurrencyService;
use crate::pb::{CurrencyConversionRequest, Empty, GetSupportedCurrenciesResponse, Money};
use crate::rates::{self, Amount, ConversionError};

#[derive(Debug, Default, Clone, Copy)]
pub struct Currency;

#[tonic::async_trait]
impl CurrencyService for Currency {
    async fn get_supported_currencies(
        &self,
        _request: Request<Empty>,
    ) -> Result<Response<GetSupportedCurrenciesResponse>, Status> {
        Ok(Response::new(GetSupportedCurrenciesResponse {
            currency_codes: rates::supported_currencies(),
        }))
    }

    async fn convert(
        &self,
        request: Request<CurrencyConversionRequest>,
    ) -> Result<Response<Money>, Status> {
        let request = request.into_inner();
        let from = request
            .from
            .ok_or_else(|| Status::invalid_argument("`from` is required"))?;
        let amount = Amount::new(&from.currency_code, from.units, from.nanos);
        let converted = rates::convert(&amount, &request.to_code).map_err(to_status)?;
        info!(
            from = %from.currency_code,
            to = %converted.currency_code,
            "converted"
        );
        Ok(Response::new(Money {
            currency_code: converted.currency_code,
            units: converted.units,
            nanos: converted.nanos,
        }))
    }
}

fn to_status(err: ConversionError) -> Status {
    match err {
        ConversionError::OutOfRange => Status::out_of_range(err.to_string()),
        ConversionError::UnsupportedCurrency(_) | ConversionError::InvalidAmount(_) => {
            Status::invalid_argument(err.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    fn money(code: &str, units: i64, nanos: i32) -> Money {
        Money {
            currency_code: code.into(),
            units,
            nanos,
        }
    }

    async fn convert(from: Option<Money>, to: &str) -> Result<Money, Status> {
        let request = CurrencyConversionRequest {
            from,
            to_code: to.into(),
        };
        Currency
            .convert(Request::new(request))
            .await
            .map(Response::into_inner)
    }

    #[tokio::test]
    async fn lists_every_currency_of_the_rate_table() {
        let response = Currency
            .get_supported_currencies(Request::new(Empty {}))
            .await
            .unwrap()
            .into_inner();
        assert!(response.currency_codes.contains(&"USD".to_owned()));
        assert_eq!(response.currency_codes.len(), rates::RATES.len());
    }

    #[tokio::test]
    async fn converts_an_amount_into_the_requested_currency() {
        let eur = convert(Some(money("USD", 1, 0)), "EUR").await.unwrap();
        assert_eq!(eur, money("EUR", 0, 884_564_352));
    }

    #[tokio::test]
    async fn a_missing_amount_is_an_invalid_argument() {
        let err = convert(None, "EUR").await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
    }

    #[tokio::test]
    async fn an_unknown_currency_is_an_invalid_argument() {
        let err = convert(Some(money("USD", 1, 0)), "XYZ").await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(err.message().contains("XYZ"));
    }

    #[tokio::test]
    async fn an_overflowing_result_is_out_of_range() {
        let err = convert(Some(money("EUR", i64::MAX, 0)), "JPY")
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::OutOfRange);
    }
}
