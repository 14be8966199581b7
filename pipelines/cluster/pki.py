"""The cluster's certificates: one CA, a serving certificate for the API server and the kubelet,
a client certificate per component, and the service account signing key.

Made fresh by every `cluster up` (the state folder is removed by `down`), with ECDSA P-256 keys:
quick to generate, and accepted everywhere Kubernetes reads keys.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.cluster.errors import ClusterError
from pipelines.cluster.layout import Network

VALID_DAYS = 30


@dataclass(frozen=True)
class Pair:
    cert: bytes
    key: bytes


@dataclass(frozen=True)
class Identity:
    """A client certificate: `user` is the CN Kubernetes authenticates, `groups` the O fields."""

    name: str
    user: str
    groups: tuple[str, ...] = ()


#: Each component's identity; the default ClusterRoleBindings grant what each needs.
CLIENTS: tuple[Identity, ...] = (
    Identity("admin", "commerce-ci:admin", ("system:masters",)),
    Identity("controller-manager", "system:kube-controller-manager"),
    Identity("scheduler", "system:kube-scheduler"),
    Identity("kubelet", "system:node:localhost", ("system:nodes",)),
    Identity("proxy", "system:kube-proxy"),
    Identity("apiserver-kubelet-client", "kube-apiserver-kubelet-client", ("system:masters",)),
    # Argo CD manages every namespace and installs CRDs: cluster-admin, as its own install does.
    Identity("argocd", "commerce-ci:argocd", ("system:masters",)),
)


def _crypto() -> Any:
    try:
        from cryptography import x509
    except ImportError as error:  # pragma: no cover - a dependency of the cluster extra
        raise ClusterError(
            "the Python package 'cryptography' is needed for the cluster's certificates",
            "pip install 'commerce-ci[cluster]' (or '.[test]')",
        ) from error
    return x509


def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_public(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _name(common_name: str, groups: Sequence[str] = ()) -> Any:
    x509 = _crypto()
    from cryptography.x509.oid import NameOID

    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, group) for group in groups]
    return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: Any, key: Any, issuer: Any, signer: Any, extensions: list[Any]) -> Any:
    x509 = _crypto()
    from cryptography.hazmat.primitives import hashes

    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signer, hashes.SHA256())


@dataclass(frozen=True)
class Authority:
    pair: Pair
    _key: Any
    _cert: Any

    def issue(
        self, common_name: str, groups: Sequence[str] = (), hosts: Sequence[str] = ()
    ) -> Pair:
        """A leaf: a server certificate when `hosts` are given, a client one otherwise."""
        x509 = _crypto()
        from cryptography.x509.oid import ExtendedKeyUsageOID

        key = _key()
        usage = ExtendedKeyUsageOID.SERVER_AUTH if hosts else ExtendedKeyUsageOID.CLIENT_AUTH
        extensions: list[Any] = [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([usage]), False),
        ]
        if hosts:
            extensions.append((x509.SubjectAlternativeName(_alt_names(hosts)), False))
        cert = _certificate(
            _name(common_name, groups), key, self._cert.subject, self._key, extensions
        )
        return Pair(_pem_cert(cert), _pem_key(key))


def _alt_names(hosts: Sequence[str]) -> list[Any]:
    x509 = _crypto()
    names: list[Any] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _pem_cert(cert: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(cert.public_bytes(serialization.Encoding.PEM))


def new_authority(common_name: str = "commerce-ci local cluster CA") -> Authority:
    x509 = _crypto()
    key = _key()
    name = _name(common_name)
    extensions = [
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        ),
    ]
    cert = _certificate(name, key, name, key, extensions)
    return Authority(Pair(_pem_cert(cert), _pem_key(key)), key, cert)


def api_server_hosts(network: Network) -> tuple[str, ...]:
    """Every name a client may reach the API server by: loopback from the host, the
    `kubernetes` Service's address and names from the pods."""
    domain = network.cluster_domain
    return (
        "127.0.0.1",
        "localhost",
        network.api_service_ip,
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        f"kubernetes.default.svc.{domain}",
    )


def write_pki(folder: Path, network: Network) -> dict[str, Pair]:
    """Every pair under `folder` as NAME.crt/NAME.key (ca, apiserver, kubelet-serving, the
    clients), plus sa.key/sa.pub; returns the pairs by name."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    ca = new_authority()
    pairs = {
        "ca": ca.pair,
        "apiserver": ca.issue("kube-apiserver", hosts=api_server_hosts(network)),
        "kubelet-serving": ca.issue("system:node:localhost", hosts=("localhost", "127.0.0.1")),
    }
    for identity in CLIENTS:
        pairs[identity.name] = ca.issue(identity.user, identity.groups)
    for name, pair in pairs.items():
        (folder / f"{name}.crt").write_bytes(pair.cert)
        _write_private(folder / f"{name}.key", pair.key)
    service_accounts = _key()
    _write_private(folder / "sa.key", _pem_key(service_accounts))
    (folder / "sa.pub").write_bytes(_pem_public(service_accounts))
    return pairs


def _write_private(path: Path, data: bytes) -> None:
    path.touch(mode=0o600)
    path.write_bytes(data)
