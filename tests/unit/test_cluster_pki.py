"""The cluster's certificates, read back as a TLS client would."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pipelines.cluster import pki
from pipelines.cluster.layout import Network


def test_the_api_server_certificate_names_every_address_clients_use(tmp_path: Path) -> None:
    pki.write_pki(tmp_path, Network())
    cert = x509.load_pem_x509_certificate((tmp_path / "apiserver.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    addresses = {str(a) for a in names.get_values_for_type(x509.IPAddress)}
    assert {"127.0.0.1", "10.96.0.1"} <= addresses
    assert "kubernetes.default.svc.cluster.local" in names.get_values_for_type(x509.DNSName)


def test_client_certificates_carry_the_identity_kubernetes_authorizes(tmp_path: Path) -> None:
    pki.write_pki(tmp_path, Network())
    cert = x509.load_pem_x509_certificate((tmp_path / "kubelet.crt").read_bytes())
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:localhost"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:nodes"
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_every_leaf_is_signed_by_the_ca_and_keys_are_private(tmp_path: Path) -> None:
    pki.write_pki(tmp_path, Network())
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.crt").read_bytes())
    for path in tmp_path.glob("*.crt"):
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        cert.verify_directly_issued_by(ca)
    assert all(p.stat().st_mode & 0o077 == 0 for p in tmp_path.glob("*.key"))
    assert ipaddress.ip_address("10.96.0.1") in ipaddress.ip_network(Network().service_cidr)
