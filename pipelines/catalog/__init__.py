"""The catalog: every `services/*/service.yaml`, loaded and validated."""

from pipelines.catalog.loader import load_catalog, load_service
from pipelines.catalog.model import LANGUAGES, Catalog, Service

__all__ = ["LANGUAGES", "Catalog", "Service", "load_catalog", "load_service"]
