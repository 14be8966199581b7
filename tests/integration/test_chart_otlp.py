"""Each service is pointed at the collector receiver that speaks what its telemetry code exports.

The exporter a service links is read from its own code and the shared libraries it declares as
inputs (service.yaml), so a library that switches transport breaks this test until the values
follow. The collector receives OTLP/gRPC on 4317 and OTLP/HTTP on 4318.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from chart_render import (
    ENVIRONMENTS,
    ROOT,
    code_files,
    code_folders,
    container_env,
    service_names,
)

#: What an OTLP trace exporter looks like in each language's code.
MARKERS = {
    "http/protobuf": (
        "otlptracehttp",  # Go
        "opentelemetry.exporter.otlp.proto.http",  # Python
        ".with_http()",  # Rust, opentelemetry-otlp
        "exporter-trace-otlp-proto",  # Node
        "OtlpHttpSpanExporter",  # Java, Kotlin
    ),
    "grpc": (
        "otlptracegrpc",
        "opentelemetry.exporter.otlp.proto.grpc",
        ".with_tonic()",
        "exporter-trace-otlp-grpc",
        "OtlpGrpcSpanExporter",
    ),
}
RECEIVER_PORTS = {"http/protobuf": 4318, "grpc": 4317}


def exporter_protocols(folders: list[Path]) -> set[str]:
    found: set[str] = set()
    for folder in folders:
        for path in code_files(folder):
            text = path.read_text(errors="replace")
            found |= {proto for proto, marks in MARKERS.items() if any(m in text for m in marks)}
    return found


@pytest.mark.parametrize("name", service_names())
def test_service_code_exports_exactly_one_otlp_transport(name: str) -> None:
    assert len(exporter_protocols(code_folders(name))) == 1, code_folders(name)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("name", service_names())
def test_rendered_otlp_endpoint_and_protocol_match_the_services_exporter(
    name: str, environment: str
) -> None:
    (protocol,) = exporter_protocols(code_folders(name))
    env = container_env(environment, name)
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == protocol
    endpoint = urlsplit(env["OTEL_EXPORTER_OTLP_ENDPOINT"])
    assert endpoint.scheme == "http"
    assert endpoint.port == RECEIVER_PORTS[protocol]
    # The libraries append /v1/traces themselves: a path here would double it.
    assert endpoint.path in ("", "/")


def test_the_collector_receives_otlp_http_where_the_services_send_it() -> None:
    values = yaml.safe_load((ROOT / "charts/observability/otel-collector-values.yaml").read_text())
    http = values["config"]["receivers"]["otlp"]["protocols"]["http"]
    assert http["endpoint"].endswith(":4318")


def test_a_grpc_exporter_in_code_is_recognised(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)
    (tmp_path / "main.go").write_text(
        'import "go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"\n'
    )
    assert exporter_protocols([tmp_path]) == {"grpc"}


def test_installed_dependencies_ignored_by_git_are_not_the_services_code(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "main.py").write_text("from opentelemetry.exporter.otlp.proto.http import x\n")
    installed = tmp_path / "build" / "test-deps" / "otel"
    installed.mkdir(parents=True)
    (installed / "grpc.py").write_text("from opentelemetry.exporter.otlp.proto.grpc import y\n")
    assert exporter_protocols([tmp_path]) == {"http/protobuf"}
