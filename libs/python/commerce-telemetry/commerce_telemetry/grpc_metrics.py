"""Request count and duration of every incoming unary gRPC call, as OTel metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc
from opentelemetry.metrics import MeterProvider


class MetricsInterceptor(grpc.ServerInterceptor):
    def __init__(self, meter_provider: MeterProvider) -> None:
        meter = meter_provider.get_meter(__name__)
        self._duration = meter.create_histogram(
            "rpc.server.duration", unit="ms", description="Duration of incoming gRPC calls"
        )
        self._requests = meter.create_counter(
            "rpc.server.requests", unit="{request}", description="Incoming gRPC calls"
        )

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method: str = handler_call_details.method
        inner = handler.unary_unary

        def timed(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            status = "OK"
            try:
                return inner(request, context)
            except Exception:
                status = "ERROR"
                raise
            finally:
                code = context.code()
                if code is not None and code is not grpc.StatusCode.OK:
                    status = code.name
                attributes = {"rpc.method": method, "rpc.grpc.status_code": status}
                self._requests.add(1, attributes)
                self._duration.record((time.perf_counter() - started) * 1000, attributes)

        return grpc.unary_unary_rpc_method_handler(
            timed,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
