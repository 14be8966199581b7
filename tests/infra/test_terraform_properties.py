"""The security properties of terraform/, read from the HCL itself (python-hcl2).

`terraform validate` and `plan` need providers and AWS, which only CI in GitHub has; these tests
pin down, offline, what a reviewer would check by eye: encryption, private nodes, immutable and
scanned images, and who may assume which role.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import pytest
from infra_helpers import (
    TERRAFORM_DIR,
    labelled,
    load_dir,
    load_hcl,
    locals_of,
    resolve,
    tf_files,
)

MODULES = TERRAFORM_DIR / "modules"
ENVS = ("dev", "prod")
#: The module calls that make up one environment, composed once in modules/platform.
PLATFORM_CALLS = {
    "network": "../network",
    "registry": "../registry",
    "ci_identity": "../ci-identity",
    "cluster": "../cluster",
    "ci_runner": "../ci-runner",
    "workload_identity": "../workload-identity",
    "gitops": "../gitops",
}
SERVICES = {
    "frontend", "product-catalog", "cart", "checkout", "currency", "shipping", "quote",
    "payment", "email", "recommendation", "ad", "fraud-detection", "accounting", "load-generator",
}  # fmt: skip


def module_dir(name: str) -> dict[str, list[Any]]:
    return load_dir(MODULES / name)


def env_dir(env: str) -> dict[str, list[Any]]:
    return load_dir(TERRAFORM_DIR / "envs" / env)


def platform_call(env: str) -> dict[str, Any]:
    """The inputs an environment hands to modules/platform."""
    return labelled(env_dir(env)["module"], "platform")


def tfvars(env: str) -> dict[str, Any]:
    return load_hcl(TERRAFORM_DIR / "envs" / env / "terraform.tfvars")


def conditions(
    statement: dict[str, Any], module: dict[str, list[Any]]
) -> dict[str, tuple[str, Any]]:
    """variable -> (test, values) of a policy-document statement's condition blocks."""
    return {
        c["variable"]: (c["test"], resolve(c["values"], module))
        for c in statement.get("condition", [])
    }


# --- state -----------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_state_lives_in_encrypted_s3_with_lockfile_locking(env: str) -> None:
    backend = labelled(env_dir(env)["terraform"][0]["backend"], "s3")
    assert backend["use_lockfile"] is True
    assert backend["encrypt"] is True
    assert backend["key"] == f"envs/{env}/terraform.tfstate"


def test_registry_modules_are_pinned_by_version() -> None:
    for path in tf_files(TERRAFORM_DIR):
        for block in load_hcl(path).get("module", []):
            for name, body in block.items():
                if not body["source"].startswith("."):
                    assert re.match(r"^(~> ?)?\d+\.\d+", body.get("version", "")), (
                        f"{path}: module {name} ({body['source']}) has no version pin"
                    )


# --- composition ---------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_each_environment_is_the_platform_module_and_nothing_else(env: str) -> None:
    module = env_dir(env)
    assert [list(block) for block in module["module"]] == [["platform"]]
    assert platform_call(env)["source"] == "../../modules/platform"
    assert "resource" not in module and "data" not in module, "resources belong in modules/"


def test_platform_composes_every_module_once_from_this_tree() -> None:
    calls = {
        name: body["source"]
        for block in module_dir("platform")["module"]
        for name, body in block.items()
    }
    assert calls == PLATFORM_CALLS


@pytest.mark.parametrize("env", ENVS)
def test_environment_passes_every_value_it_sets_to_the_platform(env: str) -> None:
    call = platform_call(env)
    platform_vars = {
        name: body for block in module_dir("platform")["variable"] for name, body in block.items()
    }
    env_vars = {name for block in env_dir(env)["variable"] for name in block}
    inputs = {k: v for k, v in call.items() if k not in ("source", "version")}
    assert set(inputs) <= set(platform_vars)
    for name, body in platform_vars.items():
        assert name in inputs or "default" in body, f"{env} does not set platform input {name}"
    for name in env_vars:
        assert inputs.get(name) == f"${{var.{name}}}", f"{env}: var.{name} must reach the platform"
    assert set(tfvars(env)) == env_vars, "terraform.tfvars sets exactly the declared variables"
    assert call["environment"] == env


# --- cluster ---------------------------------------------------------------------------------


def test_kubernetes_secrets_are_encrypted_with_a_rotated_customer_key() -> None:
    cluster = module_dir("cluster")
    eks = labelled(cluster["module"], "eks")
    assert eks["encryption_config"]["resources"] == ["secrets"]
    assert eks["encryption_config"]["provider_key_arn"] == "${aws_kms_key.secrets.arn}"
    key = labelled(cluster["resource"], "aws_kms_key", "secrets")
    assert key["enable_key_rotation"] is True


def test_node_groups_run_only_in_private_subnets() -> None:
    eks = labelled(module_dir("cluster")["module"], "eks")
    assert eks["subnet_ids"] == "${var.private_subnet_ids}"
    groups = eks["eks_managed_node_groups"]
    assert "subnet_ids = var.private_subnet_ids" in groups
    assert "public" not in groups
    assert 'http_tokens = "required"' in groups  # IMDSv2: pods cannot borrow the node role
    cluster = labelled(module_dir("platform")["module"], "cluster")
    assert cluster["private_subnet_ids"] == "${module.network.private_subnet_ids}"


def test_public_subnets_do_not_hand_out_public_addresses() -> None:
    vpc = labelled(module_dir("network")["module"], "vpc")
    assert vpc["map_public_ip_on_launch"] is False
    assert vpc["enable_nat_gateway"] is True
    validation = labelled(module_dir("network")["variable"], "azs")["validation"][0]
    assert "length(var.azs) == 3" in validation["condition"]


def test_api_endpoint_is_private_and_any_public_access_is_an_explicit_allow_list() -> None:
    eks = labelled(module_dir("cluster")["module"], "eks")
    assert eks["endpoint_private_access"] is True
    assert eks["endpoint_public_access_cidrs"] == "${var.public_access_cidrs}"
    variable = labelled(module_dir("cluster")["variable"], "public_access_cidrs")
    assert "default" not in variable, "the allow-list must be chosen per environment"
    assert '"0.0.0.0/0"' in variable["validation"][0]["condition"]
    cluster = labelled(module_dir("platform")["module"], "cluster")
    assert cluster["public_access_cidrs"] == "${var.api_allowed_cidrs}"
    assert "default" not in labelled(module_dir("platform")["variable"], "api_allowed_cidrs")
    for env in ENVS:
        assert platform_call(env)["api_allowed_cidrs"] == "${var.api_allowed_cidrs}"
        cidrs = tfvars(env)["api_allowed_cidrs"]
        assert not {"0.0.0.0/0", "::/0"} & set(cidrs)


# --- registry --------------------------------------------------------------------------------


def test_every_service_and_every_runtime_base_gets_a_repository() -> None:
    from pipelines.images.bases import BASE_KINDS

    platform = module_dir("platform")
    services = locals_of(platform)["services"]
    assert set(services) == SERVICES and len(services) == len(SERVICES)
    assert labelled(platform["module"], "registry")["services"] == "${local.services}"
    registry = module_dir("registry")
    repo = labelled(registry["module"], "repository")
    assert repo["for_each"] == (
        '${toset(concat(var.services, [for kind in var.base_images : "base/${kind}"]))}'
    )
    base_images = next(v["base_images"] for v in registry["variable"] if "base_images" in v)
    assert set(base_images["default"]) == set(BASE_KINDS)


def test_repositories_are_immutable_scanned_kms_encrypted_and_expire_old_images() -> None:
    repo = labelled(module_dir("registry")["module"], "repository")
    assert repo["repository_image_tag_mutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repo["repository_image_scan_on_push"] is True
    assert repo["repository_encryption_type"] == "KMS"
    assert repo["repository_kms_key"] == "${aws_kms_key.ecr.arn}"
    assert repo["create_lifecycle_policy"] is True
    assert repo["repository_lifecycle_policy"] == "${local.lifecycle_policy}"
    policy = locals_of(module_dir("registry"))["lifecycle_policy"]
    assert '"expire"' in policy and "untagged" in policy


def test_only_cosigns_signature_and_attestation_tags_may_be_rewritten() -> None:
    """cosign appends a signature or attestation by rewriting `sha256-<hex>.sig`/`.att`
    (pipelines/supply/cosign.py names them): those alone are mutable, every other tag is not."""
    from pipelines.supply.cosign import attestation_tag, signature_tag

    repo = labelled(module_dir("registry")["module"], "repository")
    (only,) = repo["repository_image_tag_mutability_exclusion_filter"]
    assert only == {"filter": "sha256-*", "filter_type": "WILDCARD"}
    digest = "sha256:" + "ab" * 32
    for tag in (signature_tag(digest), attestation_tag(digest)):
        assert fnmatch.fnmatchcase(tag, only["filter"])
    for tag in ("inputs-" + "ab" * 32, "v1.2.3", "1a2b3c4"):
        assert not fnmatch.fnmatchcase(tag, only["filter"])


def test_the_ecr_module_version_has_tag_mutability_exclusions() -> None:
    repo = labelled(module_dir("registry")["module"], "repository")
    assert re.match(r"^~> ?3\.", repo["version"])


def test_pull_through_cache_reads_docker_hub_credentials_from_the_ecr_prefix() -> None:
    resources = module_dir("registry")["resource"]
    secret = labelled(resources, "aws_secretsmanager_secret", "docker_hub")
    assert secret["name"] == "${local.docker_hub_secret_name}"
    assert locals_of(module_dir("registry"))["docker_hub_secret_name"].startswith(
        "ecr-pullthroughcache/"
    )
    assert secret["kms_key_id"] == "${aws_kms_key.ecr.arn}"
    assert "secret_string" not in secret, "the token is put out of band, never in state"
    rule = labelled(resources, "aws_ecr_pull_through_cache_rule", "docker_hub")
    assert rule["upstream_registry_url"] == "registry-1.docker.io"
    assert rule["credential_arn"] == "${aws_secretsmanager_secret.docker_hub.arn}"


# --- identities ------------------------------------------------------------------------------

GITHUB_AUD = "token.actions.githubusercontent.com:aud"
GITHUB_SUB = "token.actions.githubusercontent.com:sub"


@pytest.mark.parametrize("document", ["release_trust", "plan_trust"])
def test_github_roles_trust_only_this_repository(document: str) -> None:
    ci = module_dir("ci-identity")
    (statement,) = labelled(ci["data"], "aws_iam_policy_document", document)["statement"]
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert statement["principals"][0]["type"] == "Federated"
    conds = conditions(statement, ci)
    assert conds[GITHUB_AUD] == ("StringEquals", ["sts.amazonaws.com"])
    test, subjects = conds[GITHUB_SUB]
    assert test in ("StringEquals", "StringLike")
    assert subjects
    for subject in subjects:
        assert subject.startswith("repo:${var.github_repository}:"), subject
        rest = subject.removeprefix("repo:${var.github_repository}:")
        assert rest.split(":")[0] in ("ref", "environment", "pull_request"), subject
        assert rest not in ("*", "ref:*"), f"{subject} trusts every ref"


def test_pull_request_tokens_cannot_assume_the_push_role() -> None:
    ci = module_dir("ci-identity")
    (statement,) = labelled(ci["data"], "aws_iam_policy_document", "release_trust")["statement"]
    _, subjects = conditions(statement, ci)[GITHUB_SUB]
    assert not any("pull_request" in s for s in subjects)


def test_repository_variable_names_one_repository() -> None:
    variable = labelled(module_dir("ci-identity")["variable"], "github_repository")
    pattern = re.search(r'regex\("([^"]+)"', variable["validation"][0]["condition"]).group(1)
    pattern = pattern.replace("\\\\", "\\")
    for env in ENVS:
        repository = tfvars(env)["github_repository"]
        assert re.fullmatch(pattern, repository), repository
    assert not re.fullmatch(pattern, "my-org/*")


def test_ci_role_may_push_only_to_its_repositories() -> None:
    ci = module_dir("ci-identity")
    statements = labelled(ci["data"], "aws_iam_policy_document", "ecr_push")["statement"]
    by_sid = {s["sid"]: s for s in statements}
    assert by_sid["RegistryLogin"]["actions"] == ["ecr:GetAuthorizationToken"]
    assert by_sid["PushServiceImages"]["resources"] == "${var.ecr_repository_arns}"
    for statement in statements:
        if statement["sid"] != "RegistryLogin":
            assert statement["resources"] != ["*"]
            assert not any(a.endswith(":*") or a == "*" for a in statement["actions"])
    module = labelled(module_dir("platform")["module"], "ci_identity")
    assert module["ecr_repository_arns"] == "${values(module.registry.repository_arns)}"


def test_irsa_roles_trust_one_service_account_each() -> None:
    wi = module_dir("workload-identity")
    (statement,) = labelled(wi["data"], "aws_iam_policy_document", "trust")["statement"]
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert statement["principals"][0]["identifiers"] == ["${var.oidc_provider_arn}"]
    conds = conditions(statement, wi)
    assert conds["${local.issuer}:sub"] == (
        "StringEquals",
        ["system:serviceaccount:${each.value.namespace}:${each.value.service_account}"],
    )
    assert conds["${local.issuer}:aud"] == ("StringEquals", ["sts.amazonaws.com"])


def test_irsa_service_accounts_are_concrete_and_belong_to_known_services() -> None:
    platform = module_dir("platform")
    accounts = locals_of(platform)["irsa_service_accounts"]
    assert accounts
    workload = labelled(platform["module"], "workload_identity")
    assert workload["service_accounts"] == "${local.irsa_service_accounts}"
    for service, account in accounts.items():
        assert service in SERVICES
        assert "*" not in account["service_account"] + account["namespace"]
        assert account["service_account"] == service


def test_argocd_is_bootstrapped_with_pinned_charts_and_a_root_app() -> None:
    gitops = module_dir("gitops")
    argocd = labelled(gitops["resource"], "helm_release", "argocd")
    root = labelled(gitops["resource"], "helm_release", "root_app")
    assert argocd["chart"] == "argo-cd" and argocd["version"] == "${var.argocd_chart_version}"
    assert root["chart"] == "argocd-apps"
    variables = gitops["variable"]
    for name in ("argocd_chart_version", "argocd_apps_chart_version"):
        assert re.fullmatch(r"\d+\.\d+\.\d+", labelled(variables, name)["default"])
    assert "selfHeal = true" in root["values"][0] and "prune = true" in root["values"][0]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_cluster_labels_itself_with_its_environment_for_the_applicationset(env: str) -> None:
    gitops = module_dir("gitops")
    argocd = labelled(gitops["resource"], "helm_release", "argocd")
    assert '"commerce.io/environment" = var.environment' in argocd["values"][0]
    calls = [m for m in module_dir("platform")["module"] if "gitops" in m]
    assert calls and calls[0]["gitops"]["environment"] == "${var.environment}"
    assert platform_call(env)["environment"] == env
