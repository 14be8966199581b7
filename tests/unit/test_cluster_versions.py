"""The pins: a binary is rebuilt exactly when something that makes it changes."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.cluster import addons, versions
from pipelines.cluster.layout import Network

ROOT = Path(__file__).resolve().parents[2]


def _module(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "cluster" / "m"
    folder.mkdir(parents=True)
    (folder / "go.mod").write_text(text)
    return tmp_path


def test_a_changed_module_file_changes_the_key(tmp_path: Path) -> None:
    build = versions.GoBuild("m", "v1", "cluster/m", (".",), ("m",))
    before = build.key(_module(tmp_path, "module m\n"))
    (tmp_path / "cluster/m/go.mod").write_text("module m\n\ngo 1.26\n")
    assert build.key(tmp_path) != before


def test_a_changed_pin_changes_the_folder(tmp_path: Path) -> None:
    root = _module(tmp_path, "module m\n")
    one = versions.GoBuild("m", "v1", "cluster/m", (".",), ("m",))
    two = versions.GoBuild("m", "v2", "cluster/m", (".",), ("m",))
    assert one.folder(tmp_path, root) != two.folder(tmp_path, root)


def test_the_go_modules_require_exactly_the_pinned_versions() -> None:
    kube = (ROOT / "cluster/kubernetes/go.mod").read_text()
    argo = (ROOT / "cluster/argocd/go.mod").read_text()
    pin = rf"^\s*(require )?k8s\.io/kubernetes {versions.KUBERNETES_VERSION}$"
    assert re.search(pin, kube, re.M)
    assert re.search(rf"github\.com/argoproj/argo-cd/v3 {versions.ARGOCD_VERSION}\b", argo)
    coredns = (ROOT / "cluster/coredns/go.mod").read_text()
    assert re.search(
        rf"^require github\.com/coredns/coredns {versions.COREDNS_VERSION}$", coredns, re.M
    )
    minor = versions.KUBERNETES_VERSION.split(".", 1)[1]
    assert all(f"v0.{minor}" in line for line in kube.splitlines() if "=> k8s.io/" in line)


def test_kubernetes_is_stamped_with_its_version_so_charts_see_it() -> None:
    assert f"-X=k8s.io/component-base/version.gitVersion={versions.KUBERNETES_VERSION}" in (
        versions.KUBERNETES.ldflags
    )


def test_the_collector_builder_config_pins_the_collector_version() -> None:
    text = (ROOT / "cluster/collector/builder-config.yaml").read_text()
    version = versions.COLLECTOR_VERSION
    pinned = re.findall(r"gomod: \S+ (v\S+)", text)
    assert pinned and set(pinned) == {version}


def test_the_collectors_go_mod_requires_every_component_and_otelcol() -> None:
    from pipelines.cluster.build import collector_go_mod

    text = (ROOT / "cluster/collector/builder-config.yaml").read_text()
    go_mod = collector_go_mod(text)
    for gomod in re.findall(r"gomod: (\S+ \S+)", text):
        assert f"\t{gomod}\n" in go_mod
    assert f"\tgo.opentelemetry.io/collector/otelcol {versions.COLLECTOR_VERSION}\n" in go_mod


def test_coredns_links_every_plugin_the_corefile_names_in_upstreams_order() -> None:
    corefile = addons.corefile(Network())
    directives = set(re.findall(r"^    (\w+)", corefile, re.M))
    main = (ROOT / "cluster/coredns/main.go").read_text()
    linked = set(re.findall(r'"github\.com/coredns/coredns/plugin/(\w+)"', main))
    assert directives == linked == {"errors", "health", "ready", "kubernetes", "cache"}
    assert 'Directives = []string{"ready", "health", "errors", "cache", "kubernetes"}' in main
