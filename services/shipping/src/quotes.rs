//! Where shipping prices come from: the quote service over gRPC, behind a trait so the
//! shipping rules can be tested without a network.

use std::time::Duration;

use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};
use tracing::Instrument;

use crate::pb::quote_service_client::QuoteServiceClient;
use crate::pb::{Money, QuoteRequest};
use commerce_telemetry::propagate_context;

/// The price of shipping `item_count` items, in USD.
#[tonic::async_trait]
pub trait QuoteSource: Send + Sync + 'static {
    async fn quote(&self, item_count: i32) -> Result<Money, Status>;
}

type Interceptor = fn(Request<()>) -> Result<Request<()>, Status>;

/// The quote service, reached at `QUOTE_ADDR`.
#[derive(Clone)]
pub struct GrpcQuotes {
    client: QuoteServiceClient<InterceptedService<Channel, Interceptor>>,
}

impl GrpcQuotes {
    /// Connects lazily: the first call dials, so start order does not matter.
    pub fn new(addr: &str, timeout: Duration) -> Result<Self, tonic::transport::Error> {
        let channel = Endpoint::from_shared(format!("http://{addr}"))?
            .connect_timeout(timeout)
            .timeout(timeout)
            .connect_lazy();
        let interceptor: Interceptor = propagate_context;
        Ok(Self {
            client: QuoteServiceClient::with_interceptor(channel, interceptor),
        })
    }
}

#[tonic::async_trait]
impl QuoteSource for GrpcQuotes {
    async fn quote(&self, item_count: i32) -> Result<Money, Status> {
        let span = tracing::info_span!(
            "grpc.client",
            otel.name = "commerce.v1.QuoteService/GetQuote",
            otel.kind = "client",
            rpc.system = "grpc",
            rpc.service = "commerce.v1.QuoteService",
            rpc.method = "GetQuote",
        );
        let mut client = self.client.clone();
        let response = client
            .get_quote(QuoteRequest { item_count })
            .instrument(span)
            .await?;
        response
            .into_inner()
            .cost_usd
            .ok_or_else(|| Status::internal("quote service answered without a cost"))
    }
}
