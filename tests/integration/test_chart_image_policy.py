"""charts/image-policy: the admission policy, rendered by helm and validated offline against the
sigstore policy-controller ClusterImagePolicy CRD (tests/fixtures/crds, see its README)."""

from __future__ import annotations

import subprocess
from functools import cache
from typing import Any

import jsonschema
import pytest
import yaml
from registry_fixtures import require_binary
from testenv import PROJECT_ROOT

CHART = PROJECT_ROOT / "charts" / "image-policy"
CRD = PROJECT_ROOT / "tests" / "fixtures" / "crds" / "policy.sigstore.dev_clusterimagepolicies.yaml"
PEM = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"


def _strict(schema: Any) -> Any:
    """The CRD schema with unknown fields rejected (the API server would prune them silently,
    so a misspelt field would be a policy that checks less than it says)."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        preserved = out.get("x-kubernetes-preserve-unknown-fields")
        if out.get("type") == "object" and "properties" in out and not preserved:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@cache
def schema(version: str = "v1beta1") -> dict[str, Any]:
    crd = yaml.safe_load(CRD.read_text())
    (found,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return _strict(found["schema"]["openAPIV3Schema"]["properties"]["spec"])


def render(*sets: str) -> subprocess.CompletedProcess[str]:
    helm = require_binary("helm", "run scripts/tools.d/50-helm.sh")
    argv = [helm, "template", "policy", str(CHART), "--kube-version", "1.31.0"]
    for item in sets:
        argv += ["--set-string", item]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def policy(*sets: str) -> dict[str, Any]:
    done = render(*sets)
    assert done.returncode == 0, done.stderr
    (obj,) = [d for d in yaml.safe_load_all(done.stdout) if d]
    return obj


def test_the_default_policy_is_keyless_for_the_release_workflow_and_valid() -> None:
    obj = policy()
    assert (obj["apiVersion"], obj["kind"]) == ("policy.sigstore.dev/v1beta1", "ClusterImagePolicy")
    jsonschema.Draft7Validator(schema()).validate(obj["spec"])
    (authority,) = obj["spec"]["authorities"]
    (identity,) = authority["keyless"]["identities"]
    assert identity["issuer"] == "https://token.actions.githubusercontent.com"
    assert (
        "commerce-platform/commerce-ci/\\.github/workflows/release\\.yml"
        in identity["subjectRegExp"]
    )
    assert authority["attestations"] == [
        {"name": "slsa-provenance", "predicateType": "slsaprovenance"}
    ]
    assert obj["spec"]["mode"] == "enforce"


def test_the_key_mode_policy_carries_the_public_key_and_is_valid() -> None:
    obj = policy("mode=key", f"key.publicKey={PEM}")
    jsonschema.Draft7Validator(schema()).validate(obj["spec"])
    assert obj["spec"]["authorities"][0]["key"]["data"].strip() == PEM


def test_key_mode_without_a_key_fails_to_render() -> None:
    done = render("mode=key")
    assert done.returncode != 0 and "key.publicKey" in done.stderr


def test_the_strict_schema_rejects_a_misspelt_authority_field() -> None:
    spec = policy()["spec"]
    spec["authorities"][0]["keyles"] = spec["authorities"][0].pop("keyless")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema()).validate(spec)
