"""The EmailService: render, then "send" by writing one JSON log line (the log sink)."""

from __future__ import annotations

import logging

import grpc
from jinja2 import Environment

from commerce.v1 import commerce_pb2, commerce_pb2_grpc
from commerce_email.render import render_confirmation

log = logging.getLogger("commerce_email.sink")


class EmailService(commerce_pb2_grpc.EmailServiceServicer):
    def __init__(self, templates: Environment) -> None:
        self._templates = templates

    def SendOrderConfirmation(  # noqa: N802 - name fixed by the proto
        self, request: commerce_pb2.SendOrderConfirmationRequest, context: grpc.ServicerContext
    ) -> commerce_pb2.Empty:
        try:
            email = render_confirmation(self._templates, request.email, request.order)
        except ValueError as error:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
        log.info(
            "order confirmation sent",
            extra={
                "fields": {
                    "order_id": request.order.order_id,
                    "to": email.to,
                    "subject": email.subject,
                    "body": email.body,
                }
            },
        )
        return commerce_pb2.Empty()
