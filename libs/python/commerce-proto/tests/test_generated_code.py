"""The committed gRPC modules are exactly what grpc_tools.protoc makes of ../../../proto today.

Regenerate after a proto change with: python tests/test_generated_code.py
"""

from __future__ import annotations

import sys
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[1]
PROTO_ROOT = LIBRARY.parents[2] / "proto"
PROTO = "commerce/v1/commerce.proto"
GENERATED = ("commerce_pb2.py", "commerce_pb2.pyi", "commerce_pb2_grpc.py")


def generate(out: Path) -> None:
    from grpc_tools import protoc

    argv = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        PROTO,
    ]
    if protoc.main(argv) != 0:
        raise RuntimeError(f"protoc failed on {PROTO_ROOT / PROTO}")


def test_generated_modules_match_the_proto(tmp_path: Path) -> None:
    generate(tmp_path)
    for name in GENERATED:
        fresh = (tmp_path / "commerce" / "v1" / name).read_text()
        committed = (LIBRARY / "commerce" / "v1" / name).read_text()
        assert committed == fresh, f"commerce/v1/{name} is stale: run {Path(__file__).name}"


if __name__ == "__main__":
    generate(LIBRARY)
    sys.exit(0)
