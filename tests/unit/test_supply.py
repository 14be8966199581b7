"""The supply-chain stages' data: provenance predicate, SBOM audit copy, cosign's tags, keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.errors import ConfigError
from pipelines.steps import Stage, Step
from pipelines.supply import provenance, sbom
from pipelines.supply.cosign import attestation_tag, signature_tag
from pipelines.supply.keys import KEYLESS, signing_key

FACTS = provenance.BuildFacts(
    service="cart",
    source_url="https://github.com/o/r",
    revision="a" * 40,
    input_digest="sha256:" + "b" * 64,
    base_ref="reg.example/commerce-ci/base/static@sha256:" + "c" * 64,
    builder_id="https://github.com/o/r/commerce-ci/engines/local",
    engine="local",
)
STEP = Step(Stage.BUILD, "go build", "golang:1.26", ("go", "build", "."))


def test_provenance_names_source_commit_inputs_steps_and_base() -> None:
    predicate = provenance.predicate(FACTS, [STEP])
    assert predicate["builder"]["id"] == FACTS.builder_id
    assert predicate["invocation"]["configSource"] == {
        "uri": "git+https://github.com/o/r",
        "digest": {"sha1": "a" * 40},
        "entryPoint": "commerce-ci release",
    }
    parameters = predicate["invocation"]["parameters"]
    assert parameters["inputDigest"] == FACTS.input_digest
    assert parameters["steps"][0]["argv"] == ["go", "build", "."]
    assert predicate["materials"][1] == {
        "uri": "oci://reg.example/commerce-ci/base/static",
        "digest": {"sha256": "c" * 64},
    }


def test_the_builder_in_github_actions_is_the_workflow_that_ran() -> None:
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_WORKFLOW_REF": "o/r/.github/w.yml@x"}
    assert provenance.builder_id("https://x", "dagger", env) == (
        "https://github.com/o/r/.github/w.yml@x"
    )


def _component(purl: str) -> dict[str, str]:
    return {"name": purl, "purl": purl}


def test_the_audit_copy_leaves_out_ecosystems_the_offline_database_lacks(tmp_path: Path) -> None:
    (tmp_path / "osv-scanner" / "Maven").mkdir(parents=True)
    (tmp_path / "osv-scanner" / "Maven" / "all.zip").write_bytes(b"")
    document = {
        "components": [
            _component("pkg:maven/g/a@1"),
            _component("pkg:deb/debian/libc6@2.36"),
            {"name": "no purl"},
        ]
    }
    audited, left_out = sbom.audit_copy(document, tmp_path)
    assert [c["purl"] for c in audited["components"]] == ["pkg:maven/g/a@1"]
    assert left_out == ["deb"]


def test_merge_adds_only_components_the_image_sbom_lacks() -> None:
    image = {"components": [_component("pkg:cargo/a@1")]}
    lock = {"components": [_component("pkg:cargo/a@1"), _component("pkg:cargo/b@2")]}
    merged = sbom.merge(image, [lock])
    assert [c["purl"] for c in merged["components"]] == ["pkg:cargo/a@1", "pkg:cargo/b@2"]


def test_cosign_tags_are_the_digest_with_a_dash_and_a_suffix() -> None:
    digest = "sha256:" + "d" * 64
    assert signature_tag(digest) == "sha256-" + "d" * 64 + ".sig"
    assert attestation_tag(digest) == "sha256-" + "d" * 64 + ".att"


def test_keyless_is_the_default_in_github_actions(tmp_path: Path) -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "o/r",
    }
    key = signing_key(None, None, env, tmp_path)
    assert key.keyless and key.sign_flags() == ()
    assert "--certificate-oidc-issuer" in key.verify_flags()
    assert signing_key(KEYLESS, None, {}, tmp_path).keyless


def test_a_key_from_an_env_var_stays_a_reference_in_argv(tmp_path: Path) -> None:
    public = tmp_path / "ci.pub"
    public.write_text("pub")
    env = {"CI_KEY": "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----", "COSIGN_PASSWORD": "pw"}
    key = signing_key("env://CI_KEY", public, env, tmp_path)
    assert key.sign_flags()[:2] == ("--key", "env://CI_KEY")
    assert "pw" not in repr(key) and "BEGIN" not in " ".join(key.sign_flags())


def test_a_missing_key_file_is_a_one_line_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cosign_key"):
        signing_key(str(tmp_path / "nope.key"), None, {}, tmp_path)
