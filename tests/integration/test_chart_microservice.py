"""charts/microservice renders valid, locked-down objects for every service in every environment.

Real helm (scripts/tools.d/50-helm.sh) renders for the EKS version Terraform pins
(tests/kube_version.py); built-in kinds are validated offline against that version's schema
(kubernetes-validate, strict: unknown fields fail) and the ServiceMonitor against the Prometheus
Operator CRD from ../shared/schemas/crds.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kube_version import KUBE_VERSION
from testenv import PROJECT_ROOT, SHARED, require_tool

from pipelines.gitops import values as gitops_values

CHART = PROJECT_ROOT / "charts" / "microservice"
ENVS = PROJECT_ROOT / "argocd" / "envs"
CRDS = SHARED / "schemas" / "crds"
SERVICES = [
    "frontend",
    "product-catalog",
    "cart",
    "checkout",
    "currency",
    "shipping",
    "quote",
    "payment",
    "email",
    "recommendation",
    "ad",
    "fraud-detection",
    "accounting",
    "load-generator",
    "mobile",
]
VALUES_FILES = sorted(ENVS.glob("*/*.yaml"))
DIGEST = "sha256:" + "0123456789abcdef" * 4


def helm() -> str:
    return require_tool("helm", "bash scripts/tools.d/50-helm.sh (go install helm.sh/helm/v3)")


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm(), *args], capture_output=True, text=True, timeout=120, check=False)


def render(*value_files: Path, sets: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    args = ["template", "release", str(CHART), "--kube-version", KUBE_VERSION]
    for path in value_files:
        args += ["-f", str(path)]
    for item in sets:
        args += ["--set", item]
    result = run_helm(*args)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {obj["kind"]: obj for obj in objects}


@cache
def crd_schema(filename: str, version: str) -> dict[str, Any]:
    crd = yaml.safe_load((CRDS / filename).read_text())
    (found,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return found["schema"]["openAPIV3Schema"]


def validate(obj: dict[str, Any]) -> None:
    if obj["apiVersion"] == "monitoring.coreos.com/v1":
        schema = crd_schema("monitoring.coreos.com_servicemonitors.yaml", "v1")
        jsonschema.Draft7Validator(schema).validate(obj)
    else:
        kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)


def test_every_service_has_a_values_file_in_every_environment() -> None:
    for env in ("dev", "prod"):
        assert sorted(p.stem for p in (ENVS / env).glob("*.yaml")) == sorted(SERVICES), env


@pytest.mark.parametrize("path", VALUES_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_values_file_names_its_service_and_environment(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    assert (data["name"], data["environment"]) == (path.stem, path.parent.name)


@pytest.mark.parametrize("path", VALUES_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_helm_lint_passes(path: Path) -> None:
    result = run_helm(
        "lint", str(CHART), "--strict", "--kube-version", KUBE_VERSION, "-f", str(path)
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", VALUES_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_rendered_object_validates_against_its_schema(path: Path) -> None:
    objects = render(path)
    kinds = {obj["kind"] for obj in objects}
    assert {"Deployment", "Service", "ServiceAccount", "PodDisruptionBudget"} <= kinds
    assert {"NetworkPolicy", "ServiceMonitor"} <= kinds
    for obj in objects:
        validate(obj)


def test_the_offline_validator_rejects_an_unknown_field() -> None:
    deployment = by_kind(render(ENVS / "dev" / "cart.yaml"))["Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePolicy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment)


def test_the_servicemonitor_crd_schema_rejects_a_bad_endpoint() -> None:
    monitor = by_kind(render(ENVS / "dev" / "cart.yaml"))["ServiceMonitor"]
    monitor["spec"]["endpoints"] = "metrics"
    with pytest.raises(jsonschema.ValidationError):
        validate(monitor)


def test_the_container_runs_locked_down_with_probes_and_resources() -> None:
    pod = by_kind(render(ENVS / "prod" / "checkout.yaml"))["Deployment"]["spec"]["template"]
    spec = pod["spec"]
    (container,) = spec["containers"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    ctx = container["securityContext"]
    assert ctx["readOnlyRootFilesystem"] is True
    assert ctx["allowPrivilegeEscalation"] is False
    assert ctx["capabilities"]["drop"] == ["ALL"]
    assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(container)
    assert container["readinessProbe"]["grpc"]["port"] == 5050
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]


def test_http_services_probe_their_health_path() -> None:
    (container,) = by_kind(render(ENVS / "dev" / "frontend.yaml"))["Deployment"]["spec"][
        "template"
    ]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_an_unreleased_image_runs_by_tag() -> None:
    (container,) = by_kind(render(ENVS / "dev" / "cart.yaml"))["Deployment"]["spec"]["template"][
        "spec"
    ]["containers"]
    assert container["image"] == "commerce/cart:unreleased"


def test_a_released_image_is_pinned_by_digest() -> None:
    objects = render(
        ENVS / "dev" / "cart.yaml",
        sets=(
            "image.repository=registry.local:5000/commerce/cart",
            "image.tag=v1.2.3",
            f"image.digest={DIGEST}",
        ),
    )
    deployment = by_kind(objects)["Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"registry.local:5000/commerce/cart@{DIGEST}"
    assert deployment["metadata"]["annotations"]["commerce.io/image-tag"] == "v1.2.3"


def test_otel_environment_names_the_service_and_its_resource() -> None:
    (container,) = by_kind(render(ENVS / "prod" / "ad.yaml"))["Deployment"]["spec"]["template"][
        "spec"
    ]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["OTEL_SERVICE_NAME"] == "ad"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://opentelemetry-collector.")
    attributes = dict(a.split("=", 1) for a in env["OTEL_RESOURCE_ATTRIBUTES"].split(","))
    assert attributes["deployment.environment.name"] == "prod"
    assert attributes["service.namespace"] == "commerce"
    assert attributes["k8s.pod.name"] == "$(K8S_POD_NAME)"


def test_service_account_carries_the_irsa_role_from_values() -> None:
    arn = "arn:aws:iam::123456789012:role/commerce-prod-email"
    account = by_kind(
        render(ENVS / "prod" / "email.yaml", sets=(f"serviceAccount.roleArn={arn}",))
    )["ServiceAccount"]
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": arn}


def test_autoscaled_services_leave_replicas_to_the_hpa() -> None:
    objects = by_kind(render(ENVS / "prod" / "frontend.yaml"))
    assert "replicas" not in objects["Deployment"]["spec"]
    assert objects["HorizontalPodAutoscaler"]["spec"]["minReplicas"] == 3


def test_network_policy_admits_only_declared_callers_and_prometheus() -> None:
    policy = by_kind(render(ENVS / "dev" / "payment.yaml"))["NetworkPolicy"]
    callers, scrape = policy["spec"]["ingress"]
    assert callers["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "checkout"}}}
    ]
    assert scrape["ports"] == [{"port": "metrics", "protocol": "TCP"}]


# --- values.schema.json -----------------------------------------------------------------------


def schema() -> dict[str, Any]:
    return json.loads((CHART / "values.schema.json").read_text())


BAD_VALUES = {
    "unknown key": ("replicas: 2\n", "replicas"),
    "digest that is not sha256": ('image:\n  digest: "md5:abc"\n', "digest"),
    "port as a string": ('port: "8080"\n', "port"),
    "unknown protocol": ("protocol: thrift\n", "protocol"),
    "memory limit that is no quantity": ("resources:\n  limits: {memory: lots}\n", "memory"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_helm_lint_rejects_a_bad_values_file(case: str, tmp_path: Path) -> None:
    text, field = BAD_VALUES[case]
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = run_helm(
        "lint",
        str(CHART),
        "--kube-version",
        KUBE_VERSION,
        "-f",
        str(ENVS / "dev" / "cart.yaml"),
        "-f",
        str(bad),
    )
    assert result.returncode != 0
    assert field in result.stdout + result.stderr


def test_schema_rejects_a_bad_values_file_without_helm() -> None:
    data = yaml.safe_load((ENVS / "dev" / "cart.yaml").read_text())
    jsonschema.Draft7Validator(schema()).validate(data)
    data["image"]["digest"] = "latest"
    with pytest.raises(jsonschema.ValidationError, match="latest"):
        jsonschema.Draft7Validator(schema()).validate(data)


def test_schema_and_write_back_agree_on_image_field_patterns() -> None:
    image = schema()["properties"]["image"]["properties"]
    assert image["repository"]["pattern"] == gitops_values.REPOSITORY_PATTERN.pattern
    assert image["tag"]["pattern"] == gitops_values.TAG_PATTERN.pattern
    assert image["digest"]["pattern"] == gitops_values.DIGEST_PATTERN.pattern
    label = schema()["definitions"]["dnsLabel"]["pattern"]
    assert label == gitops_values.NAME_PATTERN.pattern
    assert re.fullmatch(image["digest"]["pattern"], DIGEST)
