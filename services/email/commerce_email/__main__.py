"""`python -m commerce_email`: serve the EmailService on $PORT until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import grpc

from commerce.v1 import commerce_pb2_grpc
from commerce_email.render import template_environment
from commerce_email.server import EmailService
from commerce_telemetry.logs import configure_logging
from commerce_telemetry.serving import build_server, serve_until_signalled
from commerce_telemetry.telemetry import setup_telemetry

NAME = "email"
DEFAULT_PORT = 8081


def main(env: Mapping[str, str]) -> None:
    configure_logging(NAME, env.get("LOG_LEVEL", "INFO"))
    telemetry = setup_telemetry(env, NAME)
    service = EmailService(template_environment())

    def register(server: grpc.Server) -> None:
        commerce_pb2_grpc.add_EmailServiceServicer_to_server(service, server)

    port = int(env.get("PORT", DEFAULT_PORT))
    server, health, bound = build_server(
        telemetry, register, ("commerce.v1.EmailService",), f"[::]:{port}"
    )
    logging.getLogger(__name__).info("listening", extra={"fields": {"port": bound}})
    serve_until_signalled(server, health, telemetry)


if __name__ == "__main__":
    main(os.environ)
