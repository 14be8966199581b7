"""The Dagger engine's sbom and sign stages as container chains, read from the SDK's lazy
queries (no engine), as the image and step chains are."""

from __future__ import annotations

from typing import Any

import pytest
from dagger import dag
from dagger_query import chain

from pipelines.engines.dagger_module import signer as _signer
from pipelines.engines.dagger_supply import (
    KEY_PATH,
    DaggerSigner,
    cosign_attest,
    cosign_container,
    cosign_sign,
    cosign_verify,
    osv_container,
    syft_container,
    syft_lockfile_container,
)
from pipelines.errors import ConfigError
from pipelines.supply.tools import COSIGN_VERSION, SYFT_VERSION

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/commerce/cart@sha256:" + "a" * 64


def execs(obj: Any) -> list[list[str]]:
    return [args["args"] for name, args in chain(obj) if name == "withExec"]


def names(obj: Any) -> list[str]:
    return [name for name, _ in chain(obj)]


def key_signer() -> DaggerSigner:
    return DaggerSigner(
        key=dag.secret("env://COSIGN_KEY"),
        password=dag.secret("env://COSIGN_PASSWORD"),
        public_key=dag.directory().with_new_file("cosign.pub", "pub").file("cosign.pub"),
    )


def test_cosign_is_installed_at_the_pinned_version_in_the_go_image() -> None:
    ctr = cosign_container(key_signer(), None)
    assert execs(ctr)[0] == [
        "go",
        "install",
        f"github.com/sigstore/cosign/v2/cmd/cosign@v{COSIGN_VERSION}",
    ]


def test_key_signing_mounts_the_key_as_a_secret_and_names_only_its_path() -> None:
    signer = key_signer()
    ctr = cosign_sign(
        cosign_container(signer, dag.secret("env://DOCKER_CONFIG_JSON")), signer, IMAGE
    )
    assert execs(ctr)[-1] == [
        "cosign",
        "sign",
        "--yes",
        "--key",
        KEY_PATH,
        "--tlog-upload=false",
        IMAGE,
    ]
    assert {"withMountedSecret", "withSecretVariable", "withMountedFile"} <= set(names(ctr))
    variables = [a["name"] for n, a in chain(ctr) if n == "withSecretVariable"]
    assert variables == ["COSIGN_PASSWORD"]


def test_keyless_signing_hands_over_the_runners_oidc_request_as_secrets() -> None:
    signer = DaggerSigner(oidc_url=dag.secret("env://U"), oidc_token=dag.secret("env://T"))
    ctr = cosign_sign(cosign_container(signer, None), signer, IMAGE)
    assert execs(ctr)[-1] == ["cosign", "sign", "--yes", IMAGE]
    variables = [a["name"] for n, a in chain(ctr) if n == "withSecretVariable"]
    assert variables == ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"]


@pytest.mark.parametrize("kind", ["slsaprovenance", "cyclonedx"])
def test_attestations_are_written_as_files_and_attached_by_type(kind: str) -> None:
    signer = key_signer()
    ctr = cosign_attest(cosign_container(signer, None), signer, IMAGE, "{}", kind)
    argv = execs(ctr)[-1]
    assert argv[:2] == ["cosign", "attest"] and argv[argv.index("--type") + 1] == kind
    assert argv[-1] == IMAGE and "withNewFile" in names(ctr)


def test_verification_accepts_any_exit_code_so_the_stage_can_judge_it() -> None:
    signer = key_signer()
    ctr = cosign_verify(cosign_container(signer, None), signer, IMAGE, "slsaprovenance")
    last = [a for n, a in chain(ctr) if n == "withExec"][-1]
    assert last["args"][:4] == ["cosign", "verify-attestation", "--type", "slsaprovenance"]
    assert "expect" in last


def test_syft_scans_the_pushed_image_from_the_registry_with_a_mounted_login() -> None:
    ctr = syft_container(IMAGE, dag.secret("env://DOCKER_CONFIG_JSON"))
    install, scan = execs(ctr)
    assert install[-1] == f"github.com/anchore/syft/cmd/syft@v{SYFT_VERSION}"
    assert scan[:3] == ["syft", "scan", f"registry:{IMAGE}"]
    assert "withMountedSecret" in names(ctr)


def test_a_rust_lockfile_is_scanned_from_its_text_for_the_crates_a_binary_does_not_name() -> None:
    ctr = syft_lockfile_container("Cargo.lock", "version = 3\n")
    assert execs(ctr)[-1][:3] == ["syft", "scan", "file:/work/lock/Cargo.lock"]
    assert "withNewFile" in names(ctr)


def test_osv_scanner_audits_the_sbom_offline_when_given_a_database() -> None:
    ctr = osv_container("{}", dag.directory())
    argv = execs(ctr)[-1]
    assert argv[:5] == ["osv-scanner", "scan", "source", "-L", "/work/sbom.audit.cdx.json"]
    assert argv[-3:] == ["--offline", "--local-db-path", "/vulndb"]


def test_a_release_without_a_key_or_an_oidc_request_is_refused() -> None:
    with pytest.raises(ConfigError, match="signs every image"):
        _signer(None, None, None, None, None)
