"""What the first real apply and the first real run need of terraform/, read from the HCL.

checkov judges each resource alone; these pin down, offline, how the parts meet: who may reach
the cluster and from where, who may assume the release role, what ECR's pull-through cache and
the prod account may read, what a lifecycle rule may expire, and that the names people are told
to look up exist.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from infra_helpers import (
    ROOT,
    TERRAFORM_DIR,
    WORKFLOWS_DIR,
    labelled,
    load_dir,
    load_hcl,
    locals_of,
)

MODULES = TERRAFORM_DIR / "modules"
ENVS = ("dev", "prod")
PARTITION = "${data.aws_partition.current.partition}"


def module_dir(name: str) -> dict[str, list[Any]]:
    return load_dir(MODULES / name)


def env_dir(env: str) -> dict[str, list[Any]]:
    return load_dir(TERRAFORM_DIR / "envs" / env)


def platform_call(env: str) -> dict[str, Any]:
    return labelled(env_dir(env)["module"], "platform")


def platform_module(name: str) -> dict[str, Any]:
    return labelled(module_dir("platform")["module"], name)


def tfvars(env: str) -> dict[str, Any]:
    return load_hcl(TERRAFORM_DIR / "envs" / env / "terraform.tfvars")


def statements(module: dict[str, list[Any]], document: str) -> dict[str, dict[str, Any]]:
    found = labelled(module["data"], "aws_iam_policy_document", document)["statement"]
    return {s["sid"]: s for s in found}


def conditions(statement: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    return {c["variable"]: (c["test"], c["values"]) for c in statement.get("condition", [])}


def entry(entries: str, name: str) -> str:
    """One access entry of the EKS module's access_entries expression, as HCL text."""
    start = entries.index(f"{name} = {{")
    return entries[start : entries.index("}}}", start)]


# --- cluster access ------------------------------------------------------------------------


def test_no_one_reaches_the_cluster_except_through_an_access_entry() -> None:
    eks = labelled(module_dir("cluster")["module"], "eks")
    assert eks["authentication_mode"] == "API"
    assert eks["enable_cluster_creator_admin_permissions"] is False


def test_terraform_apply_role_is_cluster_admin_since_it_installs_argocd() -> None:
    entries = labelled(module_dir("cluster")["module"], "eks")["access_entries"]
    apply = entry(entries, "terraform-apply")
    assert "principal_arn = var.terraform_apply_role_arn" in apply
    assert "AmazonEKSClusterAdminPolicy" in apply and 'type = "cluster"' in apply


def test_terraform_plan_role_reads_only_the_helm_state_in_argocds_namespace() -> None:
    entries = labelled(module_dir("cluster")["module"], "eks")["access_entries"]
    plan = entry(entries, "terraform-plan")
    assert "principal_arn = var.terraform_plan_role_arn" in plan
    assert "AmazonEKSAdminViewPolicy" in plan
    assert 'type = "namespace", namespaces = var.helm_release_namespaces' in plan
    cluster = platform_module("cluster")
    assert cluster["helm_release_namespaces"] == ["${local.argocd_namespace}"]
    assert platform_module("gitops")["namespace"] == "${local.argocd_namespace}"
    gitops = module_dir("gitops")
    argocd = labelled(gitops["resource"], "helm_release", "argocd")
    assert argocd["namespace"] == "${var.namespace}"


@pytest.mark.parametrize("env", ENVS)
def test_each_environment_names_its_bootstrapped_apply_role_and_passes_the_plan_role(
    env: str,
) -> None:
    assert tfvars(env)["terraform_apply_role_name"] == f"commerce-{env}-github-terraform-apply"
    assert platform_call(env)["terraform_apply_role_name"] == "${var.terraform_apply_role_name}"
    cluster = platform_module("cluster")
    assert cluster["terraform_apply_role_arn"] == (
        f"arn:{PARTITION}:iam::${{data.aws_caller_identity.current.account_id}}"
        ":role/${var.terraform_apply_role_name}"
    )
    assert cluster["terraform_plan_role_arn"] == "${module.ci_identity.terraform_plan_role_arn}"


def test_the_release_role_has_no_cluster_access_since_argocd_pulls_from_git() -> None:
    entries = labelled(module_dir("cluster")["module"], "eks")["access_entries"]
    assert "release_role" not in entries and "ci_role" not in entries
    assert "ci_role_arn" not in platform_module("cluster")


# --- the API endpoint and where CI runs ---------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_the_api_endpoint_has_no_public_side(env: str) -> None:
    assert tfvars(env)["api_allowed_cidrs"] == []
    eks = labelled(module_dir("cluster")["module"], "eks")
    assert eks["endpoint_private_access"] is True
    assert eks["endpoint_public_access"] == "${length(var.public_access_cidrs) > 0}"


def test_the_private_endpoint_admits_the_ci_runner_on_443() -> None:
    eks = labelled(module_dir("cluster")["module"], "eks")
    rules = eks["security_group_additional_rules"]
    assert "for name, sg in var.api_client_security_groups" in rules
    assert 'type = "ingress"' in rules and "from_port = 443, to_port = 443" in rules
    assert "source_security_group_id = sg" in rules
    clients = platform_module("cluster")["api_client_security_groups"]
    assert clients == {"terraform-runner": "${module.ci_runner.security_group_id}"}


def test_the_ci_runner_runs_in_the_clusters_private_subnets() -> None:
    runner = platform_module("ci_runner")
    assert runner["source"] == "../ci-runner"
    assert runner["vpc_id"] == "${module.network.vpc_id}"
    assert runner["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert runner["github_repository"] == "${var.github_repository}"
    project = labelled(module_dir("ci-runner")["resource"], "aws_codebuild_project", "runner")
    (vpc,) = project["vpc_config"]
    assert vpc["subnets"] == "${var.subnet_ids}"
    assert vpc["security_group_ids"] == ["${aws_security_group.runner.id}"]
    assert project["environment"][0]["privileged_mode"] is False
    (source,) = project["source"]
    assert source["location"] == "https://github.com/${var.github_repository}.git"
    assert source["auth"][0]["type"] == "CODECONNECTIONS"


def test_the_runner_takes_queued_workflow_jobs_of_this_repository() -> None:
    runner = module_dir("ci-runner")
    webhook = labelled(runner["resource"], "aws_codebuild_webhook", "runner")
    (group,) = webhook["filter_group"]
    assert {"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"} in group["filter"]


def test_the_runner_itself_holds_only_its_logs_network_and_github_connection() -> None:
    runner = module_dir("ci-runner")
    actions = {a for s in statements(runner, "runner").values() for a in s["actions"]}
    allowed = re.compile(r"^(logs|kms|ec2|codeconnections|codestar-connections):")
    assert all(allowed.match(a) for a in actions), actions
    assert not {a for a in actions if a.startswith("ec2:") and "NetworkInterface" not in a} - {
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
    }
    resources = runner["resource"]
    assert not any("aws_vpc_security_group_ingress_rule" in r for r in resources)
    egress = labelled(resources, "aws_vpc_security_group_egress_rule", "https")
    assert (egress["ip_protocol"], egress["from_port"], egress["to_port"]) == ("tcp", 443, 443)


def test_terraform_plan_and_apply_run_on_their_environments_runner() -> None:
    name = platform_module("ci_runner")["name"]
    assert name == "${local.name}-terraform-runner"
    assert locals_of(module_dir("platform"))["name"] == "commerce-${var.environment}"
    project = "commerce-${{ matrix.env }}-terraform-runner"
    label = f"codebuild-{project}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"
    jobs = yaml.safe_load((WORKFLOWS_DIR / "terraform.yml").read_text())["jobs"]
    assert jobs["plan"]["runs-on"] == label
    assert jobs["apply"]["runs-on"] == label
    assert jobs["plan"]["strategy"]["matrix"]["env"] == list(ENVS)
    assert jobs["fmt"]["runs-on"] == jobs["validate"]["runs-on"] == "ubuntu-latest"


# --- ECR's pull-through cache -----------------------------------------------------------------


def test_the_pull_through_cache_role_may_decrypt_the_docker_hub_secret_and_nothing_else() -> None:
    registry = module_dir("registry")
    key = labelled(registry["resource"], "aws_kms_key", "ecr")
    assert key["policy"] == "${data.aws_iam_policy_document.ecr_key.json}"
    by_sid = statements(registry, "ecr_key")
    assert set(by_sid) == {"AccountAdministration", "PullThroughCacheReadsUpstreamCredentials"}
    grant = by_sid["PullThroughCacheReadsUpstreamCredentials"]
    assert grant["actions"] == ["kms:Decrypt"]
    conds = conditions(grant)
    assert conds["aws:PrincipalArn"] == ("ArnEquals", ["${local.pull_through_cache_role}"])
    assert conds["kms:CallerAccount"] == ("StringEquals", ["${local.account_id}"])
    assert conds["kms:ViaService"] == (
        "StringEquals",
        ["secretsmanager.${local.region}.amazonaws.com"],
    )
    test, (secret_arn,) = conds["kms:EncryptionContext:SecretARN"]
    assert test == "StringLike" and secret_arn.endswith(":secret:${local.docker_hub_secret_name}-*")
    role = locals_of(registry)["pull_through_cache_role"]
    assert role.endswith(
        ":role/aws-service-role/pullthroughcache.ecr.amazonaws.com/AWSServiceRoleForECRPullThroughCache"
    )
    secret = labelled(registry["resource"], "aws_secretsmanager_secret", "docker_hub")
    assert secret["name"] == "${local.docker_hub_secret_name}"
    assert secret["kms_key_id"] == "${aws_kms_key.ecr.arn}"


# --- the release role -------------------------------------------------------------------------


def test_the_release_role_is_reachable_only_through_its_github_environment() -> None:
    ci = module_dir("ci-identity")
    (statement,) = labelled(ci["data"], "aws_iam_policy_document", "release_trust")["statement"]
    test, subjects = {c["variable"]: (c["test"], c["values"]) for c in statement["condition"]}[
        "token.actions.githubusercontent.com:sub"
    ]
    assert test == "StringEquals"
    assert locals_of(ci)["release_subjects"] == [
        "repo:${var.github_repository}:environment:${var.environment}"
    ]
    assert subjects == "${local.release_subjects}"
    assert platform_module("ci_identity")["environment"] == "${var.environment}"
    for env in ENVS:
        assert platform_call(env)["environment"] == env


# --- promotion across accounts ------------------------------------------------------------------


def accounts() -> dict[str, str]:
    return json.loads((TERRAFORM_DIR / "accounts.json").read_text())


def test_each_environment_is_its_own_account_and_its_provider_refuses_any_other() -> None:
    ids = accounts()
    assert set(ids) == set(ENVS)
    assert all(re.fullmatch(r"\d{12}", i) for i in ids.values()) and ids["dev"] != ids["prod"]
    for env in ENVS:
        module = env_dir(env)
        assert locals_of(module)["accounts"] == (
            '${jsondecode(file("${path.module}/../../accounts.json"))}'
        )
        (provider,) = [p["aws"] for p in module["provider"] if "aws" in p]
        assert provider["allowed_account_ids"] == [f"${{local.accounts.{env}}}"]


def test_prod_may_pull_the_digests_dev_built_and_promote_copies() -> None:
    assert platform_call("dev")["image_pull_account_ids"] == ["${local.accounts.prod}"]
    assert "image_pull_account_ids" not in platform_call("prod")
    assert platform_module("registry")["pull_account_ids"] == "${var.image_pull_account_ids}"
    registry = module_dir("registry")
    repo = labelled(registry["module"], "repository")
    assert repo["repository_read_access_arns"] == "${local.pull_principals}"
    principals = locals_of(registry)["pull_principals"]
    assert (
        principals
        == '${[for id in var.pull_account_ids : "arn:${local.partition}:iam::${id}:root"]}'
    )
    validation = labelled(registry["variable"], "pull_account_ids")["validation"][0]
    assert "^[0-9]{12}$" in validation["condition"]


# --- what a lifecycle rule may expire -----------------------------------------------------------


def test_lifecycle_rules_never_expire_a_tagged_image_a_values_file_could_pin() -> None:
    policy = locals_of(module_dir("registry"))["lifecycle_policy"]
    statuses = re.findall(r'tagStatus\s*=\s*"(\w+)"', policy)
    assert statuses == ["untagged"], f"a rule selects {statuses}: it could expire a pinned digest"
    assert "imageCountMoreThan" not in policy
    variables = {name for block in module_dir("registry")["variable"] for name in block}
    assert "keep_tagged_images" not in variables


# --- names people are told to look up -----------------------------------------------------------

OUTPUT_MENTION = re.compile(r"terraform(?: -chdir=\S+)? output(?: -json| -raw)? ([a-z_]+)")


def env_outputs(env: str) -> set[str]:
    return {name for block in env_dir(env)["output"] for name in block}


def test_every_terraform_output_the_repository_mentions_exists() -> None:
    texts = [*ROOT.glob("argocd/**/*.yaml"), ROOT / "README.md", ROOT / "docs" / "architecture.md"]
    texts += [TERRAFORM_DIR / "README.md", *WORKFLOWS_DIR.glob("*.yml")]
    mentioned = {m for path in texts for m in OUTPUT_MENTION.findall(path.read_text())}
    assert "irsa_role_arns" in mentioned
    for env in ENVS:
        assert mentioned <= env_outputs(env), mentioned - env_outputs(env)
