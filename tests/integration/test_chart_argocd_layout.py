"""argocd/: every object is valid against ArgoCD's CRDs and points at files that exist."""

from __future__ import annotations

import fnmatch
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from testenv import PROJECT_ROOT, SHARED

ARGOCD = PROJECT_ROOT / "argocd"
ROOT_APP = ARGOCD / "root"  # terraform/modules/gitops: var.root_app_path
CRDS = SHARED / "schemas" / "crds"
THIS_REPO = "https://github.com/commerce-platform/commerce-ci.git"
CRD_FILES = {
    "Application": "argoproj.io_application.yaml",
    "ApplicationSet": "argoproj.io_applicationset.yaml",
    "AppProject": "argoproj.io_appproject.yaml",
}


@cache
def crd_schema(kind: str) -> dict[str, Any]:
    crd = yaml.safe_load((CRDS / CRD_FILES[kind]).read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    return version["schema"]["openAPIV3Schema"]


def objects(folder: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(folder.rglob("*.yaml")):
        found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def argo_objects() -> list[dict[str, Any]]:
    """The ArgoCD objects: the root app's folder and the platform apps (not the values files)."""
    return objects(ROOT_APP) + objects(ARGOCD / "platform")


def root_objects() -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects(ROOT_APP)}


def service_set() -> dict[str, Any]:
    return root_objects()[("ApplicationSet", "commerce-services")]


def test_the_root_app_path_of_terraform_exists_and_holds_the_layout() -> None:
    variables = (PROJECT_ROOT / "terraform" / "modules" / "gitops" / "variables.tf").read_text()
    assert 'default     = "argocd/root"' in variables
    assert set(root_objects()) == {
        ("AppProject", "platform"),
        ("AppProject", "commerce"),
        ("Application", "platform"),
        ("ApplicationSet", "commerce-services"),
    }


@pytest.mark.parametrize("folder", [ROOT_APP, ARGOCD / "platform"], ids=lambda p: p.name)
def test_every_object_validates_against_its_argocd_crd(folder: Path) -> None:
    for obj in objects(folder):
        assert obj["apiVersion"] == "argoproj.io/v1alpha1"
        jsonschema.Draft7Validator(crd_schema(obj["kind"])).validate(obj)


def test_the_crd_schema_rejects_a_bad_applicationset() -> None:
    broken = service_set()
    broken["spec"]["generators"] = {"git": {}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(crd_schema("ApplicationSet")).validate(broken)


def test_every_application_names_a_project_that_exists() -> None:
    projects = {name for kind, name in root_objects() if kind == "AppProject"}
    apps = [o for o in argo_objects() if o["kind"] == "Application"]
    assert {a["spec"]["project"] for a in apps} <= projects
    assert service_set()["spec"]["template"]["spec"]["project"] in projects


def test_paths_in_this_repository_exist() -> None:
    for app in (o for o in argo_objects() if o["kind"] == "Application"):
        for source in app["spec"].get("sources") or [app["spec"]["source"]]:
            if source["repoURL"] == THIS_REPO and "path" in source:
                assert (PROJECT_ROOT / source["path"]).is_dir(), source["path"]
            for value_file in source.get("helm", {}).get("valueFiles", []):
                assert (PROJECT_ROOT / value_file.removeprefix("$values/")).is_file()


def test_the_platform_app_of_apps_covers_argocd_platform() -> None:
    source = root_objects()[("Application", "platform")]["spec"]["source"]
    assert source["path"] == "argocd/platform"
    projects = {o["metadata"]["name"]: o["spec"]["project"] for o in objects(ARGOCD / "platform")}
    # The frontend-proxy and Redis are part of the shop, so they deploy under the services' project.
    shop = {"frontend-proxy", "redis"}
    assert {p for name, p in projects.items() if name not in shop} == {"platform"}
    assert {projects[name] for name in shop} == {"commerce"}


def _git_files_pattern() -> str:
    matrix = service_set()["spec"]["generators"][0]["matrix"]["generators"]
    (git,) = [g["git"] for g in matrix if "git" in g]
    assert git["repoURL"] == THIS_REPO
    (entry,) = git["files"]
    return str(entry["path"])


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_git_files_generator_finds_every_service_of_an_environment(env: str) -> None:
    pattern = re.sub(r"\{\{[^}]*\}\}", env, _git_files_pattern())
    assert pattern == f"argocd/envs/{env}/*.yaml"
    files = [p.relative_to(PROJECT_ROOT).as_posix() for p in PROJECT_ROOT.glob(pattern)]
    services = {p.parent.name for p in PROJECT_ROOT.glob("services/*/service.yaml")}
    assert len(services) == 15
    assert {f.rsplit("/", 1)[1].removesuffix(".yaml") for f in files} == services
    assert all(fnmatch.fnmatch(f, pattern) for f in files)


def test_the_template_reads_the_chart_and_the_generated_values_file() -> None:
    sources = service_set()["spec"]["template"]["spec"]["sources"]
    chart, values = sources
    assert (PROJECT_ROOT / chart["path"] / "Chart.yaml").is_file()
    assert chart["helm"]["valueFiles"] == ["$values/{{ .path.path }}/{{ .path.filename }}"]
    assert values["ref"] == "values"


def test_a_git_outage_cannot_delete_applications_or_their_resources() -> None:
    policy = service_set()["spec"]["syncPolicy"]
    assert policy["applicationsSync"] == "create-update"
    assert policy["preserveResourcesOnDeletion"] is True


def test_dev_syncs_itself_and_prod_waits_for_a_person() -> None:
    spec = service_set()["spec"]
    assert "automated" not in spec["template"]["spec"]["syncPolicy"]
    patch = spec["templatePatch"]
    assert '{{- if eq .path.basename "dev" }}' in patch
    rendered_dev = yaml.safe_load(re.sub(r"\{\{-?[^}]*\}\}", "", patch))
    assert rendered_dev["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    retry = spec["template"]["spec"]["syncPolicy"]["retry"]
    assert retry["limit"] > 0 and retry["backoff"]["factor"] > 1


def test_the_commerce_project_limits_sources_destinations_and_kinds() -> None:
    spec = root_objects()[("AppProject", "commerce")]["spec"]
    assert spec["sourceRepos"] == [THIS_REPO]
    assert {d["namespace"] for d in spec["destinations"]} == {"commerce"}
    assert spec["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]
    kinds = {k["kind"] for k in spec["namespaceResourceWhitelist"]}
    assert {"Deployment", "Service", "ServiceMonitor", "NetworkPolicy"} <= kinds


def test_the_platform_project_admits_every_platform_chart_repository() -> None:
    allowed = set(root_objects()[("AppProject", "platform")]["spec"]["sourceRepos"])
    for app in objects(ARGOCD / "platform"):
        for source in app["spec"].get("sources") or [app["spec"]["source"]]:
            assert source["repoURL"] in allowed


def test_projects_sync_before_the_apps_that_name_them() -> None:
    def wave(obj: dict[str, Any]) -> int:
        return int(obj["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])

    found = root_objects()
    assert wave(found[("AppProject", "commerce")]) < wave(found[("Application", "platform")])
    assert wave(found[("Application", "platform")]) < wave(service_set())
