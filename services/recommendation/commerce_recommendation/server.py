"""The RecommendationService: ListProducts from the catalog, then `selection.recommend`."""

from __future__ import annotations

import logging

import grpc

from commerce.v1 import commerce_pb2, commerce_pb2_grpc
from commerce_recommendation.selection import recommend, request_seed

log = logging.getLogger(__name__)

#: Seconds a catalog call may take before the recommendation gives up.
CATALOG_TIMEOUT = 3.0


class RecommendationService(commerce_pb2_grpc.RecommendationServiceServicer):
    def __init__(self, catalog: commerce_pb2_grpc.ProductCatalogServiceStub, seed: str) -> None:
        self._catalog = catalog
        self._seed = seed

    def ListRecommendations(  # noqa: N802 - name fixed by the proto
        self, request: commerce_pb2.ListRecommendationsRequest, context: grpc.ServicerContext
    ) -> commerce_pb2.ListRecommendationsResponse:
        try:
            products = self._catalog.ListProducts(commerce_pb2.Empty(), timeout=CATALOG_TIMEOUT)
        except grpc.RpcError as error:
            log.warning("product catalog failed", extra={"fields": {"code": str(error.code())}})
            context.abort(grpc.StatusCode.UNAVAILABLE, "product catalog unavailable")
        seed = request_seed(self._seed, request.user_id, request.product_ids)
        picks = recommend([p.id for p in products.products], request.product_ids, seed)
        log.info(
            "recommended",
            extra={"fields": {"user_id": request.user_id, "product_ids": picks}},
        )
        return commerce_pb2.ListRecommendationsResponse(product_ids=picks)
