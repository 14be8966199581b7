"""charts/frontend-proxy: Envoy at the edge sends `/loadgen/` to Locust, the rest to the frontend.

Real helm (scripts/tools.d/50-helm.sh) renders for the EKS version Terraform pins
(tests/kube_version.py); built-in kinds are validated offline against that version's schema
(kubernetes-validate, strict) and the ServiceMonitor and the ArgoCD Application against their
CRDs from ../shared/schemas/crds. No Envoy binary exists on these machines (none in Debian), so
`envoy --mode validate` cannot run: the envoy.yaml inside the ConfigMap is parsed and its route
table evaluated by a small resolver that follows Envoy's rules (first matching route wins;
`prefix_rewrite` replaces the matched prefix).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kube_version import KUBE_VERSION
from testenv import PROJECT_ROOT, SHARED, require_tool

CHART = PROJECT_ROOT / "charts" / "frontend-proxy"
SERVICE_CHART = PROJECT_ROOT / "charts" / "microservice"
APPLICATION = PROJECT_ROOT / "argocd" / "platform" / "frontend-proxy.yaml"
PROJECTS = PROJECT_ROOT / "argocd" / "root" / "projects.yaml"
SERVICE_SET = PROJECT_ROOT / "argocd" / "root" / "services.yaml"
ENVS = PROJECT_ROOT / "argocd" / "envs"
CRDS = SHARED / "schemas" / "crds"
RELEASE = "frontend-proxy"


# --- rendering ----------------------------------------------------------------------------------


def helm() -> str:
    return require_tool("helm", "bash scripts/tools.d/50-helm.sh (go install helm.sh/helm/v3)")


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm(), *args], capture_output=True, text=True, timeout=120, check=False)


@cache
def _render(chart: Path, value_files: tuple[Path, ...], sets: tuple[str, ...]) -> str:
    args = ["template", RELEASE, str(chart), "--namespace", "commerce"]
    args += ["--kube-version", KUBE_VERSION]
    for path in value_files:
        args += ["-f", str(path)]
    for item in sets:
        args += ["--set", item]
    result = run_helm(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(*sets: str, chart: Path = CHART, values: tuple[Path, ...] = ()) -> list[dict[str, Any]]:
    """Fresh objects on every call (the text is cached), so a test may mutate what it gets."""
    return [doc for doc in yaml.safe_load_all(_render(chart, values, sets)) if doc]


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {obj["kind"]: obj for obj in objects}


def envoy_config(*sets: str) -> dict[str, Any]:
    config_map = by_kind(render(*sets))["ConfigMap"]
    parsed = yaml.safe_load(config_map["data"]["envoy.yaml"])
    assert isinstance(parsed, dict)
    return parsed


def listener(config: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [item for item in config["static_resources"]["listeners"] if item["name"] == name]
    return found


def connection_manager(config: dict[str, Any], name: str) -> dict[str, Any]:
    (chain,) = listener(config, name)["filter_chains"]
    (hcm,) = chain["filters"]
    assert hcm["name"] == "envoy.filters.network.http_connection_manager"
    return hcm["typed_config"]


def virtual_host(config: dict[str, Any], name: str) -> dict[str, Any]:
    (host,) = connection_manager(config, name)["route_config"]["virtual_hosts"]
    assert host["domains"] == ["*"]
    return host


def clusters(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in config["static_resources"]["clusters"]}


def cluster_address(cluster: dict[str, Any]) -> tuple[str, int]:
    (locality,) = cluster["load_assignment"]["endpoints"]
    (endpoint,) = locality["lb_endpoints"]
    socket = endpoint["endpoint"]["address"]["socket_address"]
    return socket["address"], socket["port_value"]


def seconds(duration: str) -> float:
    """A protobuf JSON Duration ("1.5s"); Envoy accepts no other unit."""
    assert re.fullmatch(r"[0-9]+(\.[0-9]+)?s", duration), duration
    return float(duration[:-1])


# --- a route resolver with Envoy's semantics ----------------------------------------------------


class UnsupportedRoute(Exception):
    """The resolver met a matcher or action it does not model; it never guesses."""


@dataclass(frozen=True)
class Forward:
    cluster: str
    path: str
    retry_on: frozenset[str]
    timeout: str


@dataclass(frozen=True)
class Redirect:
    path: str


@dataclass(frozen=True)
class Respond:
    status: int


Outcome = Forward | Redirect | Respond


def _header_matches(matcher: dict[str, Any], headers: dict[str, str]) -> bool:
    if set(matcher) - {"name", "string_match"} or "string_match" not in matcher:
        raise UnsupportedRoute(f"header matcher {matcher}")
    value = headers.get(matcher["name"])
    if value is None:
        return False
    string_match = matcher["string_match"]
    if set(string_match) == {"exact"}:
        return bool(value == string_match["exact"])
    if set(string_match) == {"prefix"}:
        return value.startswith(string_match["prefix"])
    if set(string_match) == {"safe_regex"}:
        # RE2 in Envoy matches the whole value.
        return re.fullmatch(string_match["safe_regex"]["regex"], value) is not None
    raise UnsupportedRoute(f"string matcher {string_match}")


def _match(match: dict[str, Any], method: str, path: str) -> str | None:
    """The matched path prefix (the whole path for `path` rules), or None."""
    if set(match) - {"prefix", "path", "headers"}:
        raise UnsupportedRoute(f"route match {match}")
    if not all(_header_matches(h, {":method": method}) for h in match.get("headers", [])):
        return None
    if "path" in match:
        # Exact rules compare the path without its query string.
        return str(match["path"]) if path.split("?", 1)[0] == match["path"] else None
    if "prefix" in match:
        return str(match["prefix"]) if path.startswith(match["prefix"]) else None
    raise UnsupportedRoute(f"route match without a path rule {match}")


def resolve(host: dict[str, Any], method: str, path: str) -> Outcome | None:
    """What Envoy does with a request: the first route (in order) that matches decides."""
    for route in host["routes"]:
        matched = _match(route["match"], method, path)
        if matched is None:
            continue
        if "route" in route:
            action = route["route"]
            upstream_path = path
            if "prefix_rewrite" in action:
                rest = path[len(matched) :]
                if "path" in route["match"]:
                    rest = path[len(path.split("?", 1)[0]) :]
                upstream_path = action["prefix_rewrite"] + rest
            retry_on = action.get("retry_policy", {}).get("retry_on", "")
            return Forward(
                cluster=action["cluster"],
                path=upstream_path,
                retry_on=frozenset(filter(None, retry_on.split(","))),
                timeout=action["timeout"],
            )
        if "redirect" in route:
            query = path.partition("?")[2]
            target = route["redirect"]["path_redirect"]
            return Redirect(target + (f"?{query}" if query else ""))
        if "direct_response" in route:
            return Respond(route["direct_response"]["status"])
        raise UnsupportedRoute(f"route action of {route.get('name')}")
    return None


# What the edge must do: (method, request path) -> where it goes, with which path.
SHOP_ROUTES: dict[tuple[str, str], Outcome | tuple[str, str]] = {
    ("GET", "/"): ("frontend", "/"),
    ("GET", "/product/OLJCESPC7Z?currency=EUR"): ("frontend", "/product/OLJCESPC7Z?currency=EUR"),
    ("POST", "/api/checkout"): ("frontend", "/api/checkout"),
    ("GET", "/loadgen/"): ("load-generator", "/"),
    ("GET", "/loadgen/stats/requests?x=1"): ("load-generator", "/stats/requests?x=1"),
    ("POST", "/loadgen/swarm"): ("load-generator", "/swarm"),
    # A name that only starts like the prefix is the frontend's, not Locust's.
    ("GET", "/loadgenerator"): ("frontend", "/loadgenerator"),
    ("GET", "/LOADGEN/"): ("frontend", "/LOADGEN/"),
    ("GET", "/loadgen"): Redirect("/loadgen/"),
    ("GET", "/loadgen?tab=charts"): Redirect("/loadgen/?tab=charts"),
}


def route_table_errors(host: dict[str, Any]) -> list[str]:
    """Every request of SHOP_ROUTES the virtual host sends somewhere else."""
    errors = []
    for (method, path), expected in SHOP_ROUTES.items():
        outcome = resolve(host, method, path)
        if isinstance(expected, tuple):
            got = (outcome.cluster, outcome.path) if isinstance(outcome, Forward) else outcome
        else:
            got = outcome
        if got != expected:
            errors.append(f"{method} {path}: expected {expected}, got {got}")
    return errors


# --- the chart renders valid, locked-down objects -----------------------------------------------


@cache
def crd_schema(filename: str, version: str) -> dict[str, Any]:
    crd = yaml.safe_load((CRDS / filename).read_text())
    (found,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    schema = found["schema"]["openAPIV3Schema"]
    assert isinstance(schema, dict)
    return schema


def validate(obj: dict[str, Any]) -> None:
    if obj["apiVersion"] == "monitoring.coreos.com/v1":
        schema = crd_schema("monitoring.coreos.com_servicemonitors.yaml", "v1")
        jsonschema.Draft7Validator(schema).validate(obj)
    else:
        kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)


def test_helm_lint_strict_passes() -> None:
    result = run_helm("lint", str(CHART), "--strict", "--kube-version", KUBE_VERSION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rendered_object_validates_against_its_schema() -> None:
    objects = render()
    assert sorted(o["kind"] for o in objects) == sorted(
        [
            "ConfigMap",
            "Deployment",
            "HorizontalPodAutoscaler",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "ServiceAccount",
            "ServiceMonitor",
        ]
    )
    for obj in objects:
        validate(obj)


def test_the_offline_validator_rejects_an_unknown_field() -> None:
    deployment = by_kind(render())["Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]["nap"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment)


def test_envoy_runs_pinned_non_root_read_only_without_capabilities() -> None:
    spec = by_kind(render())["Deployment"]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert re.fullmatch(r"envoyproxy/envoy:v1\.3[0-9]\.[0-9]+", container["image"])
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec["automountServiceAccountToken"] is False
    ctx = container["securityContext"]
    assert ctx["readOnlyRootFilesystem"] is True
    assert ctx["allowPrivilegeEscalation"] is False
    assert ctx["capabilities"] == {"drop": ["ALL"]}
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["limits"]["memory"]
    assert container["args"][:2] == ["--config-path", "/etc/envoy/envoy.yaml"]
    assert "--disable-hot-restart" in container["args"]


def test_a_digest_pins_the_image_bytes() -> None:
    digest = "sha256:" + "0123456789abcdef" * 4
    (container,) = by_kind(render(f"image.digest={digest}"))["Deployment"]["spec"]["template"][
        "spec"
    ]["containers"]
    assert container["image"] == f"envoyproxy/envoy@{digest}"


def test_probes_ask_envoy_ready_through_the_ops_listener_not_the_admin_port() -> None:
    config = envoy_config()
    (container,) = by_kind(render())["Deployment"]["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    ops = listener(config, "ops")["address"]["socket_address"]
    assert ports["ops"] == ops["port_value"]
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[kind]["httpGet"] == {"path": "/ready", "port": "ops"}
    ready = resolve(virtual_host(config, "ops"), "GET", "/ready")
    assert isinstance(ready, Forward) and ready.cluster == "envoy_admin"
    assert cluster_address(clusters(config)["envoy_admin"]) == ("127.0.0.1", 9901)


def test_the_admin_interface_listens_on_localhost_only() -> None:
    config = envoy_config()
    admin = config["admin"]["address"]["socket_address"]
    assert admin["address"] == "127.0.0.1"
    (container,) = by_kind(render())["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert admin["port_value"] not in {p["containerPort"] for p in container["ports"]}


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/ready", "envoy_admin"),
        ("GET", "/stats/prometheus", "envoy_admin"),
        ("POST", "/quitquitquit", 404),
        ("POST", "/ready", 404),
        ("GET", "/config_dump", 404),
        ("POST", "/logging?level=trace", 404),
        ("GET", "/stats", 404),
    ],
)
def test_the_ops_listener_exposes_only_readiness_and_metrics(
    method: str, path: str, expected: str | int
) -> None:
    outcome = resolve(virtual_host(envoy_config(), "ops"), method, path)
    got = outcome.cluster if isinstance(outcome, Forward) else outcome
    assert got == (expected if isinstance(expected, str) else Respond(expected))


def test_a_new_envoy_config_rolls_the_pods() -> None:
    def checksum(*sets: str) -> str:
        template = by_kind(render(*sets))["Deployment"]["spec"]["template"]
        return str(template["metadata"]["annotations"]["checksum/config"])

    assert checksum() != checksum("upstreams.frontend.timeout=20s")


def test_termination_outlasts_the_pre_stop_pause_and_the_longest_route() -> None:
    pod = by_kind(render())["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    routes = virtual_host(envoy_config(), "shop")["routes"]
    longest = max(seconds(r["route"]["timeout"]) for r in routes if "route" in r)
    assert pod["terminationGracePeriodSeconds"] > pause + longest


def test_autoscaled_proxy_leaves_replicas_to_the_hpa_and_keeps_a_pdb() -> None:
    objects = by_kind(render())
    assert "replicas" not in objects["Deployment"]["spec"]
    assert objects["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2
    assert objects["PodDisruptionBudget"]["spec"]["maxUnavailable"] == 1
    assert by_kind(render("autoscaling.enabled=false"))["Deployment"]["spec"]["replicas"] == 2


def test_network_policy_admits_the_ingress_controller_and_prometheus_only() -> None:
    shop, scrape = by_kind(render())["NetworkPolicy"]["spec"]["ingress"]
    assert shop == {
        "from": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
        ],
        "ports": [{"port": "http", "protocol": "TCP"}],
    }
    assert scrape["ports"] == [{"port": "ops", "protocol": "TCP"}]
    assert scrape["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]


def test_prometheus_scrapes_envoy_stats_on_the_ops_port() -> None:
    objects = by_kind(render())
    (endpoint,) = objects["ServiceMonitor"]["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("ops", "/stats/prometheus")
    assert "ops" in {p["name"] for p in objects["Service"]["spec"]["ports"]}


# --- envoy.yaml: v3 API, routes, clusters, tracing, access logs ---------------------------------


def _typed_configs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "@type" in node:
            yield node["@type"]
        for value in node.values():
            yield from _typed_configs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _typed_configs(value)


def test_every_typed_config_is_an_envoy_v3_api_message() -> None:
    types = list(_typed_configs(envoy_config()))
    assert len(types) >= 8
    for name in types:
        assert re.fullmatch(r"type\.googleapis\.com/envoy\.[a-z0-9_.]+\.v3\.[A-Za-z0-9]+", name), (
            name
        )


@pytest.mark.parametrize(("method", "path"), sorted(SHOP_ROUTES))
def test_the_shop_listener_routes_each_request_to_its_service(method: str, path: str) -> None:
    host = virtual_host(envoy_config(), "shop")
    expected = SHOP_ROUTES[(method, path)]
    outcome = resolve(host, method, path)
    if isinstance(expected, tuple):
        assert isinstance(outcome, Forward)
        assert (outcome.cluster, outcome.path) == expected
    else:
        assert outcome == expected


def test_the_resolver_catches_the_catch_all_route_placed_first() -> None:
    host = virtual_host(envoy_config(), "shop")
    assert route_table_errors(host) == []
    reordered = copy.deepcopy(host)
    catch_all = [r for r in reordered["routes"] if r["match"].get("prefix") == "/"]
    others = [r for r in reordered["routes"] if r["match"].get("prefix") != "/"]
    reordered["routes"] = catch_all + others
    errors = route_table_errors(reordered)
    assert (
        "GET /loadgen/: expected ('load-generator', '/'), got ('frontend', '/loadgen/')" in errors
    )


def test_the_resolver_catches_a_prefix_without_its_slash() -> None:
    host = virtual_host(envoy_config(), "shop")
    naive = copy.deepcopy(host)
    for route in naive["routes"]:
        if route["match"].get("prefix") == "/loadgen/":
            route["match"]["prefix"] = "/loadgen"
    errors = route_table_errors(naive)
    # Envoy replaces only the matched prefix: "/loadgen/x" would reach Locust as "//x".
    assert any("got ('load-generator', '//stats/requests?x=1')" in e for e in errors)
    assert any(e.startswith("GET /loadgenerator:") for e in errors)


def test_the_resolver_refuses_a_matcher_it_does_not_model() -> None:
    host = {"routes": [{"match": {"safe_regex": {"regex": "/.*"}}, "route": {"cluster": "x"}}]}
    with pytest.raises(UnsupportedRoute):
        resolve(host, "GET", "/")


@pytest.mark.parametrize("path", ["/", "/loadgen/"])
def test_only_idempotent_requests_are_retried_and_only_on_connection_failures(path: str) -> None:
    host = virtual_host(envoy_config(), "shop")
    for method in ("GET", "HEAD"):
        outcome = resolve(host, method, path)
        assert isinstance(outcome, Forward)
        assert "connect-failure" in outcome.retry_on
        assert outcome.retry_on <= {"connect-failure", "refused-stream", "reset"}
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        outcome = resolve(host, method, path)
        assert isinstance(outcome, Forward)
        assert outcome.retry_on == frozenset(), method


def test_every_route_has_a_timeout_longer_than_one_try() -> None:
    for route in virtual_host(envoy_config(), "shop")["routes"]:
        if "route" not in route:
            continue
        action = route["route"]
        retry = action.get("retry_policy")
        if retry:
            assert seconds(retry["per_try_timeout"]) < seconds(action["timeout"]), route["name"]
            assert 0 < retry["num_retries"] <= 3


def test_every_route_and_the_tracer_name_a_defined_cluster() -> None:
    config = envoy_config()
    defined = set(clusters(config))
    used = {
        r["route"]["cluster"]
        for name in ("shop", "ops")
        for r in virtual_host(config, name)["routes"]
        if "route" in r
    }
    tracer = connection_manager(config, "shop")["tracing"]["provider"]["typed_config"]
    used.add(tracer["grpc_service"]["envoy_grpc"]["cluster_name"])
    assert used <= defined
    assert defined - used == set()


def _service_values(env: str, service: str) -> dict[str, Any]:
    data = yaml.safe_load((ENVS / env / f"{service}.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _services_namespace() -> str:
    service_set = yaml.safe_load(SERVICE_SET.read_text())
    return str(service_set["spec"]["template"]["spec"]["destination"]["namespace"])


@pytest.mark.parametrize("env", ["dev", "prod"])
@pytest.mark.parametrize("service", ["frontend", "load-generator"])
def test_upstream_clusters_resolve_the_services_names_and_ports(env: str, service: str) -> None:
    values = _service_values(env, service)
    cluster = clusters(envoy_config())[service]
    assert cluster["type"] == "STRICT_DNS"
    assert seconds(cluster["connect_timeout"]) <= 2
    namespace = _services_namespace()
    expected = (f"{values['name']}.{namespace}.svc.cluster.local", values["service"]["port"])
    assert cluster_address(cluster) == expected


def test_traces_start_at_the_proxy_and_go_to_the_services_collector() -> None:
    config = envoy_config()
    tracing = connection_manager(config, "shop")["tracing"]
    provider = tracing["provider"]
    assert provider["name"] == "envoy.tracers.opentelemetry"
    typed = provider["typed_config"]
    assert typed["@type"] == "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig"
    assert typed["service_name"] == "frontend-proxy"
    assert tracing["spawn_upstream_span"] is True
    assert tracing["random_sampling"]["value"] == 100
    collector = clusters(config)[typed["grpc_service"]["envoy_grpc"]["cluster_name"]]
    # The same collector the services export to (charts/microservice's otel.endpoint), at its
    # OTLP/gRPC port: Envoy's tracer speaks gRPC, the services' libraries OTLP/HTTP on 4318.
    endpoint = urlsplit(
        yaml.safe_load((SERVICE_CHART / "values.yaml").read_text())["otel"]["endpoint"]
    )
    assert cluster_address(collector)[0] == endpoint.hostname
    assert cluster_address(collector) == (
        "opentelemetry-collector.observability.svc.cluster.local",
        4317,
    )
    # OTLP/gRPC needs HTTP/2 to the collector.
    options = collector["typed_extension_protocol_options"]
    http = options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    assert "http2_protocol_options" in http["explicit_http_config"]


def test_access_logs_are_json_on_stdout_with_the_w3c_trace_context() -> None:
    (log,) = connection_manager(envoy_config(), "shop")["access_log"]
    assert log["name"] == "envoy.access_loggers.stdout"
    typed = log["typed_config"]
    assert typed["@type"].endswith(".stream.v3.StdoutAccessLog")
    fields = typed["log_format"]["json_format"]
    assert fields["traceparent"] == "%REQ(TRACEPARENT)%"
    assert fields["trace_id"] == "%TRACE_ID%"
    assert {"method", "path", "status", "duration_ms", "upstream_cluster"} <= set(fields)
    assert all(isinstance(v, str) and v.startswith("%") for v in fields.values())


def test_the_edge_guards_its_connections_and_paths() -> None:
    config = envoy_config()
    hcm = connection_manager(config, "shop")
    assert hcm["use_remote_address"] is True
    assert hcm["normalize_path"] is True and hcm["merge_slashes"] is True
    assert seconds(hcm["request_headers_timeout"]) > 0
    assert seconds(hcm["stream_idle_timeout"]) > 0
    (monitor,) = config["overload_manager"]["resource_monitors"]
    assert monitor["typed_config"]["max_active_downstream_connections"] > 0


# --- values.schema.json -------------------------------------------------------------------------


BAD_VALUES = {
    "moving image tag": ("image:\n  tag: v1.36-latest\n", "tag"),
    "duration Envoy cannot parse": ("upstreams:\n  frontend:\n    timeout: 1m\n", "timeout"),
    "load generator on the root path": (
        "upstreams:\n  loadGenerator:\n    pathPrefix: /\n",
        "pathPrefix",
    ),
    "prefix with a trailing slash": (
        "upstreams:\n  loadGenerator:\n    pathPrefix: /lg/\n",
        "pathPrefix",
    ),
    "unknown key": ("retries:\n  perTry: 1s\n", "perTry"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_helm_lint_rejects_bad_values(case: str, tmp_path: Path) -> None:
    text, field = BAD_VALUES[case]
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = run_helm("lint", str(CHART), "--kube-version", KUBE_VERSION, "-f", str(bad))
    assert result.returncode != 0
    assert field in result.stdout + result.stderr


def test_the_schema_accepts_the_chart_defaults() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft7Validator(schema).validate(yaml.safe_load((CHART / "values.yaml").read_text()))


# --- ArgoCD: the Application and the project that admits it ------------------------------------


def application() -> dict[str, Any]:
    data = yaml.safe_load(APPLICATION.read_text())
    assert isinstance(data, dict)
    return data


def commerce_project() -> dict[str, Any]:
    projects = [p for p in yaml.safe_load_all(PROJECTS.read_text()) if p]
    (found,) = [p for p in projects if p["metadata"]["name"] == "commerce"]
    assert isinstance(found, dict)
    return found


def test_the_application_validates_against_the_argocd_crd() -> None:
    schema = crd_schema("argoproj.io_application.yaml", "v1alpha1")
    jsonschema.Draft7Validator(schema).validate(application())
    broken = application()
    broken["spec"]["source"]["helm"]["valueFiles"] = "values.yaml"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_the_application_deploys_this_chart_into_the_commerce_namespace() -> None:
    spec = application()["spec"]
    assert spec["project"] == "commerce"
    assert spec["destination"]["namespace"] == _services_namespace() == "commerce"
    assert (PROJECT_ROOT / spec["source"]["path"] / "Chart.yaml").is_file()
    assert spec["source"]["path"] == CHART.relative_to(PROJECT_ROOT).as_posix()
    assert spec["source"]["helm"]["releaseName"] == RELEASE


def test_the_application_syncs_after_every_other_platform_app() -> None:
    def wave(obj: dict[str, Any]) -> int:
        return int(obj["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])

    others = [
        yaml.safe_load(p.read_text())
        for p in sorted(APPLICATION.parent.glob("*.yaml"))
        if p != APPLICATION
    ]
    assert others
    assert wave(application()) > max(wave(o) for o in others)


def test_the_commerce_project_admits_the_application_and_every_rendered_kind() -> None:
    spec = commerce_project()["spec"]
    app = application()["spec"]
    assert app["source"]["repoURL"] in spec["sourceRepos"]
    assert any(d["namespace"] == app["destination"]["namespace"] for d in spec["destinations"])
    allowed = {(k["group"], k["kind"]) for k in spec["namespaceResourceWhitelist"]}
    for obj in render():
        group = obj["apiVersion"].rpartition("/")[0]
        assert (group, obj["kind"]) in allowed, obj["kind"]


@pytest.mark.parametrize("env", ["dev", "prod"])
@pytest.mark.parametrize("service", ["frontend", "load-generator"])
def test_the_services_network_policies_admit_the_proxy(env: str, service: str) -> None:
    """Routes are useless if the upstream's NetworkPolicy drops the proxy's packets."""
    objects = render(chart=SERVICE_CHART, values=(ENVS / env / f"{service}.yaml",))
    policy = by_kind(objects)["NetworkPolicy"]
    proxy = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": RELEASE}}}
    callers = [rule for rule in policy["spec"]["ingress"] if proxy in rule.get("from", [])]
    assert callers, f"argocd/envs/{env}/{service}.yaml: networkPolicy.allowFrom lacks {RELEASE}"
    assert {"port": "http", "protocol": "TCP"} in callers[0]["ports"]
