"""RecommendationService over real gRPC, against a small in-process product catalog."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from commerce.v1 import commerce_pb2, commerce_pb2_grpc
from commerce_recommendation.selection import recommend, request_seed
from commerce_recommendation.server import RecommendationService
from commerce_telemetry.serving import build_server, traced_channel
from commerce_telemetry.telemetry import setup_telemetry

PRODUCTS = [f"P{i}" for i in range(8)]


class Catalog(commerce_pb2_grpc.ProductCatalogServiceServicer):
    def __init__(self, up: bool = True) -> None:
        self.up = up

    def ListProducts(  # noqa: N802
        self, request: commerce_pb2.Empty, context: grpc.ServicerContext
    ) -> commerce_pb2.ListProductsResponse:
        if not self.up:
            context.abort(grpc.StatusCode.UNAVAILABLE, "down")
        return commerce_pb2.ListProductsResponse(
            products=[commerce_pb2.Product(id=p, name=p) for p in PRODUCTS]
        )


@pytest.fixture
def catalog() -> Catalog:
    return Catalog()


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def stub(
    catalog: Catalog, spans: InMemorySpanExporter
) -> Iterator[commerce_pb2_grpc.RecommendationServiceStub]:
    telemetry = setup_telemetry({}, "recommendation")
    telemetry.tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    catalog_server, _, catalog_port = build_server(
        setup_telemetry({}, "product-catalog"),
        lambda s: commerce_pb2_grpc.add_ProductCatalogServiceServicer_to_server(catalog, s),
        (),
        "127.0.0.1:0",
    )
    catalog_channel = traced_channel(f"127.0.0.1:{catalog_port}", telemetry)
    service = RecommendationService(
        commerce_pb2_grpc.ProductCatalogServiceStub(catalog_channel), "seed"
    )
    server, _, port = build_server(
        telemetry,
        lambda s: commerce_pb2_grpc.add_RecommendationServiceServicer_to_server(service, s),
        (),
        "127.0.0.1:0",
    )
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield commerce_pb2_grpc.RecommendationServiceStub(channel)
    server.stop(None)
    catalog_server.stop(None)
    catalog_channel.close()


def ask(stub: commerce_pb2_grpc.RecommendationServiceStub, *ids: str) -> list[str]:
    request = commerce_pb2.ListRecommendationsRequest(user_id="u-1", product_ids=ids)
    return list(stub.ListRecommendations(request, timeout=5).product_ids)


def test_recommends_catalog_products_outside_the_request(
    stub: commerce_pb2_grpc.RecommendationServiceStub,
) -> None:
    picks = ask(stub, "P0", "P1")
    assert picks == recommend(PRODUCTS, ["P0", "P1"], request_seed("seed", "u-1", ["P0", "P1"]))
    assert len(picks) == 5 and not {"P0", "P1"} & set(picks)


def test_a_catalog_outage_is_unavailable(
    stub: commerce_pb2_grpc.RecommendationServiceStub, catalog: Catalog
) -> None:
    catalog.up = False
    with pytest.raises(grpc.RpcError) as error:
        ask(stub, "P0")
    assert error.value.code() is grpc.StatusCode.UNAVAILABLE


def test_the_catalog_call_is_a_client_span_in_the_request_trace(
    stub: commerce_pb2_grpc.RecommendationServiceStub, spans: InMemorySpanExporter
) -> None:
    ask(stub, "P0")
    by_name: dict[str, ReadableSpan] = {s.name: s for s in spans.get_finished_spans()}
    server = by_name["/commerce.v1.RecommendationService/ListRecommendations"]
    client = by_name["/commerce.v1.ProductCatalogService/ListProducts"]
    assert client.context.trace_id == server.context.trace_id
    assert client.parent is not None and client.parent.span_id == server.context.span_id
