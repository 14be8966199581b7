"""`python -m commerce_recommendation`: serve on $PORT, ask $PRODUCT_CATALOG_ADDR for products."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import grpc

from commerce.v1 import commerce_pb2_grpc
from commerce_recommendation.server import RecommendationService
from commerce_telemetry.logs import configure_logging
from commerce_telemetry.serving import build_server, serve_until_signalled, traced_channel
from commerce_telemetry.telemetry import setup_telemetry

NAME = "recommendation"
DEFAULT_PORT = 9001


def main(env: Mapping[str, str]) -> None:
    configure_logging(NAME, env.get("LOG_LEVEL", "INFO"))
    telemetry = setup_telemetry(env, NAME)
    catalog_addr = env.get("PRODUCT_CATALOG_ADDR", "127.0.0.1:3550")
    channel = traced_channel(catalog_addr, telemetry)
    service = RecommendationService(
        commerce_pb2_grpc.ProductCatalogServiceStub(channel),
        env.get("RECOMMENDATION_SEED", "commerce"),
    )

    def register(server: grpc.Server) -> None:
        commerce_pb2_grpc.add_RecommendationServiceServicer_to_server(service, server)

    port = int(env.get("PORT", DEFAULT_PORT))
    server, health, bound = build_server(
        telemetry, register, ("commerce.v1.RecommendationService",), f"[::]:{port}"
    )
    logging.getLogger(__name__).info(
        "listening", extra={"fields": {"port": bound, "product_catalog": catalog_addr}}
    )
    serve_until_signalled(server, health, telemetry)
    channel.close()


if __name__ == "__main__":
    main(os.environ)
