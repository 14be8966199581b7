"""Registries without a Docker daemon: references, credentials, the OCI distribution API,
reproducible layers and image assembly (what the local engine's image and push stages use).
"""

from pipelines.registry.auth import (
    CredentialProvider,
    Credentials,
    DockerConfigCredentials,
    EcrCredentials,
    StaticCredentials,
    credentials_from_env,
)
from pipelines.registry.client import LINUX_AMD64, Platform, RegistryClient, RetryPolicy
from pipelines.registry.errors import (
    CredentialsError,
    DigestMismatch,
    InvalidReference,
    RegistryAuthError,
    RegistryError,
    RegistryNotFound,
    RegistryUnavailable,
)
from pipelines.registry.image import (
    AssembledImage,
    BaseImage,
    ImageConfig,
    PushResult,
    assemble,
    oci_labels,
    pull_base,
    push_image,
)
from pipelines.registry.layers import Layer, LayerDir, LayerFile, LayerSymlink, Owner, build_layer
from pipelines.registry.reference import Reference

__all__ = [
    "LINUX_AMD64",
    "AssembledImage",
    "BaseImage",
    "CredentialProvider",
    "Credentials",
    "CredentialsError",
    "DigestMismatch",
    "DockerConfigCredentials",
    "EcrCredentials",
    "ImageConfig",
    "InvalidReference",
    "Layer",
    "LayerDir",
    "LayerFile",
    "LayerSymlink",
    "Owner",
    "Platform",
    "PushResult",
    "Reference",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryError",
    "RegistryNotFound",
    "RegistryUnavailable",
    "RetryPolicy",
    "StaticCredentials",
    "assemble",
    "build_layer",
    "credentials_from_env",
    "oci_labels",
    "pull_base",
    "push_image",
]
