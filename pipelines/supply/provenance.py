"""The SLSA provenance predicate of one image (v0.2, cosign's `slsaprovenance` type).

cosign wraps it in an in-toto statement whose subject is the image digest it signs, so this
module only says how the image was made: the builder, the source repository and commit, the
service's input digest, every Step of the check stages (argv lists, the same data both engines
run), the runtime base it was assembled on, and the image recipe's base kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.steps import Step

PREDICATE_TYPE = "https://slsa.dev/provenance/v0.2"
BUILD_TYPE = "https://github.com/commerce-platform/commerce-ci/release@v1"
STATEMENT_TYPE = "https://in-toto.io/Statement/v0.1"


@dataclass(frozen=True)
class BuildFacts:
    service: str
    source_url: str
    revision: str
    input_digest: str
    #: `registry/repository@sha256:...` of the runtime base the image was assembled on.
    base_ref: str
    builder_id: str
    engine: str
    entry_point: str = "commerce-ci release"


def builder_id(source_url: str, engine: str, env: Mapping[str, str]) -> str:
    """GitHub Actions: the workflow that ran (its identity); elsewhere: this engine, by name."""
    server, workflow_ref = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_WORKFLOW_REF")
    if server and workflow_ref:
        return f"{server.rstrip('/')}/{workflow_ref}"
    return f"{source_url.rstrip('/')}/commerce-ci/engines/{engine}"


def _step(step: Step) -> dict[str, Any]:
    return {
        "stage": step.stage.value,
        "name": step.name,
        "image": step.image,
        "argv": list(step.argv),
        "workdir": step.workdir,
    }


def _digest_of(ref: str) -> dict[str, str]:
    _, _, digest = ref.partition("@")
    algorithm, _, hexdigest = digest.partition(":")
    return {algorithm: hexdigest} if algorithm and hexdigest else {}


def predicate(facts: BuildFacts, steps: Iterable[Step]) -> dict[str, Any]:
    source = f"git+{facts.source_url}"
    return {
        "builder": {"id": facts.builder_id},
        "buildType": BUILD_TYPE,
        "invocation": {
            "configSource": {
                "uri": source,
                "digest": {"sha1": facts.revision},
                "entryPoint": facts.entry_point,
            },
            "parameters": {
                "service": facts.service,
                "engine": facts.engine,
                "inputDigest": facts.input_digest,
                "steps": [_step(step) for step in steps],
            },
        },
        "metadata": {
            "completeness": {"parameters": True, "environment": False, "materials": True},
            "reproducible": True,
        },
        "materials": [
            {"uri": source, "digest": {"sha1": facts.revision}},
            {
                "uri": f"oci://{facts.base_ref.partition('@')[0]}",
                "digest": _digest_of(facts.base_ref),
            },
        ],
    }


def predicate_json(facts: BuildFacts, steps: Iterable[Step]) -> str:
    return json.dumps(predicate(facts, steps), indent=2, sort_keys=True) + "\n"
