"""Bad input, as a careless or hostile user gives it, against the real command line.

Every case runs `python -m pipelines.entry` (the console script) on a scratch git repository
and holds the CLI to one rule: exit 2 (bad input), one error line naming the file, flag or
setting and the field, no traceback, no planted secret anywhere in the output, and nothing
written: `git status` of the scratch repository (which ignores nothing) and the GitOps remote
are as they were. Each case is refused before any step starts, so none of them builds anything.

The scratch repository holds one Python service whose every stage is a command that would
write a file in the service folder, so a step that starts shows up in `git status`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from testenv import PROJECT_ROOT

CLI = [sys.executable, "-m", "pipelines.entry"]
SECRET = "s3cr3t-Planted-42"
DIGEST_DEV = "sha256:" + "d" * 64
DIGEST_OLD = "sha256:" + "a" * 64
DIGEST_NEVER = "sha256:" + "e" * 64
MIB = 1024 * 1024

SERVICE_YAML = """\
name: cart
language: python
description: Shopping cart
port: 8080
image:
  repository: commerce/cart
commands:
  build: [python3, -c, "open('STARTED', 'w')"]
  test: [python3, -c, "open('STARTED', 'w')"]
  lint: [python3, -c, "open('STARTED', 'w')"]
"""


def values(digest: str) -> str:
    return (
        "# the cart in this environment\nreplicas: 1\nimage:\n"
        f"  repository: registry.example/commerce/cart\n  tag: abc123\n  digest: {digest!r}\n"
    )


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for relpath, content in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch repository and a GitOps remote, made once; each case gets copies."""
    top = tmp_path_factory.mktemp("bad-input")
    repo = top / "repo"
    _write(
        repo,
        {
            "services/cart/service.yaml": SERVICE_YAML,
            "services/cart/requirements.txt": "",
            "argocd/envs/dev/cart.yaml": values(DIGEST_DEV),
            "argocd/envs/prod/cart.yaml": values(""),
        },
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "scratch")
    seed = top / "seed"
    _write(seed, {"argocd/envs/dev/cart.yaml": values(DIGEST_OLD)})
    _write(seed, {"argocd/envs/prod/cart.yaml": values(DIGEST_OLD)})
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "old")
    _write(seed, {"argocd/envs/dev/cart.yaml": values(DIGEST_DEV)})
    git(seed, "commit", "-qam", "new")
    git(top, "clone", "-q", "--bare", str(seed), str(top / "remote.git"))
    (top / "cosign.pub").write_text("not a real key: no case gets as far as verifying\n")
    return top


@dataclass(frozen=True)
class Case:
    """One bad input: the argv (placeholders `{tmp}` for a folder outside the repository,
    `{remote}`, `{work}` and `{pub}` for the GitOps remote, its work dir and a public key),
    what to plant first, and what the error line must name."""

    id: str
    argv: tuple[str, ...]
    names: tuple[str, ...]
    files: dict[str, str | bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    setup: Callable[[Path, Path], None] | None = None
    code: int = 2


def case(
    id: str, argv: str | tuple[str, ...], *names: str, xfail: str = "", **more
) -> pytest.ParameterSet:
    words = tuple(argv.split()) if isinstance(argv, str) else argv
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(Case(id, words, names, **more), id=id, marks=marks)


GITOPS = ("--gitops-remote", "{remote}", "--gitops-workdir", "{work}", "--cosign-pub", "{pub}")


IMAGE = ("--stages", "build,image", "--registry", "127.0.0.1:9")


def promote(*args: str) -> tuple[str, ...]:
    return ("promote", *args, *GITOPS)


def rollback(*args: str) -> tuple[str, ...]:
    return ("rollback", *args, *GITOPS)


def release(*args: str) -> tuple[str, ...]:
    return ("release", "cart", *args, "--registry", "127.0.0.1:9", *GITOPS[:4])


def run(*args: str) -> tuple[str, ...]:
    return ("run", "cart", *args)


def toml(text: str) -> dict[str, str | bytes]:
    return {"commerce-ci.toml": text}


def _symlink(link: str, target: str) -> Callable[[Path, Path], None]:
    def make(root: Path, outside: Path) -> None:
        path = root / link
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        destination = outside / target
        destination.mkdir(parents=True, exist_ok=True)
        if target.endswith(".yaml"):
            destination.rmdir()
            destination.write_text(SERVICE_YAML)
        path.symlink_to(destination)

    return make


def _outside_service(root: Path, outside: Path) -> None:
    folder = outside / "cart"
    _write(folder, {"service.yaml": SERVICE_YAML, "requirements.txt": ""})
    shutil.rmtree(root / "services" / "cart")
    (root / "services" / "cart").symlink_to(folder)


def _outside_inputs(root: Path, outside: Path) -> None:
    (outside / "shared").mkdir()
    (root / "shared").symlink_to(outside / "shared")
    path = root / "services" / "cart" / "service.yaml"
    path.write_text(SERVICE_YAML.replace("port: 8080\n", "port: 8080\ninputs: [shared/**]\n"))


def _empty_catalog(root: Path, outside: Path) -> None:
    shutil.rmtree(root / "services" / "cart")


def _file_at(relpath: str) -> Callable[[Path, Path], None]:
    def make(root: Path, outside: Path) -> None:
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text("a file where a folder belongs\n")

    return make


def _empty_vulndb(root: Path, outside: Path) -> None:
    (outside / "vulndb").mkdir()


def _vulndb_without_zips(root: Path, outside: Path) -> None:
    (outside / "vulndb" / "osv-scanner" / "PyPI").mkdir(parents=True)


def _outside_services_dir(root: Path, outside: Path) -> None:
    _write(outside / "elsewhere" / "cart", {"service.yaml": SERVICE_YAML, "requirements.txt": ""})


def _services_dir_link(root: Path, outside: Path) -> None:
    _outside_services_dir(root, outside)
    (root / "linked").symlink_to(outside / "elsewhere")


def _gitops_workdir_file(root: Path, outside: Path) -> None:
    (outside / "work").write_text("a file where the work dir goes\n")


def _values(env: str, text: str | bytes) -> Callable[[Path, Path], None]:
    """Plant a values file in the GitOps remote (a commit pushed to the bare copy)."""

    def make(root: Path, outside: Path) -> None:
        clone = outside / "plant"
        git(outside, "clone", "-q", str(outside / "remote.git"), str(clone))
        _write(clone, {f"argocd/envs/{env}/cart.yaml": text})
        git(clone, "commit", "-qam", "plant")
        git(clone, "push", "-q", "origin", "main")
        shutil.rmtree(clone)

    return make


def _outside_file(name: str, text: str) -> Callable[[Path, Path], None]:
    def make(root: Path, outside: Path) -> None:
        (outside / name).write_text(text)

    return make


REPORT_WITH_IMAGE = (
    '{"services": {"cart": {"stages": {"manifest": {"status": "passed"}}, "image": IMAGE}}}'
)
LONG = "a" * 5000
NOT_UTF8 = b"name: cart\ndescription: caf\xe9\n"

CASES = [
    # --- a secret given in a value is never printed back
    case("registry-flag-credentials", run("--registry", f"user:{SECRET}@host"), "--registry"),
    case(
        "registry-url-credentials",
        run("--registry", f"https://user:{SECRET}@registry.example"),
        "--registry",
    ),
    case(
        "registry-env-credentials",
        run("--stages", "build,image"),
        "COMMERCE_CI_REGISTRY",
        env={"COMMERCE_CI_REGISTRY": f"user:{SECRET}@host"},
    ),
    case(
        "registry-file-credentials",
        run(),
        "commerce-ci.toml",
        "registry",
        files=toml(f'registry = "user:{SECRET}@host"\n'),
    ),
    case(
        "base-registry-credentials",
        run(*IMAGE, "--base-registry", f"u:{SECRET}@bases.example/x"),
        "--base-registry",
    ),
    case(
        "base-mirror-credentials",
        run(*IMAGE, "--base-mirror", f"tok:{SECRET}@mirror.example"),
        "--base-mirror",
    ),
    case(
        "images-registry-credentials",
        ("images", "cart", "--registry", f"u:{SECRET}@h"),
        "--registry",
    ),
    case("bases-registry-credentials", ("bases", "--registry", f"u:{SECRET}@h"), "--registry"),
    case(
        "release-registry-credentials",
        ("release", "cart", "--env", "dev", "--registry", f"u:{SECRET}@h", *GITOPS[:4]),
        "--registry",
    ),
    case(
        "oversized-registry-with-secret",
        run("--registry", LONG + f":{SECRET}@" + LONG),
        "--registry",
    ),
    # --- settings of the wrong type or value, from a flag, the environment or the file
    case("toml-jobs-boolean", run(), "commerce-ci.toml", "jobs", files=toml("jobs = true\n")),
    case(
        "toml-timeout-boolean",
        run(),
        "commerce-ci.toml",
        "step_timeout",
        files=toml("step_timeout = false\n"),
    ),
    case(
        "toml-timeout-nan",
        run(),
        "commerce-ci.toml",
        "step_timeout",
        files=toml("step_timeout = nan\n"),
    ),
    case(
        "toml-timeout-inf",
        run(),
        "commerce-ci.toml",
        "step_timeout",
        files=toml("step_timeout = inf\n"),
    ),
    case("toml-jobs-float", run(), "commerce-ci.toml", "jobs", files=toml("jobs = 2.5\n")),
    case("toml-jobs-string", run(), "commerce-ci.toml", "jobs", files=toml('jobs = "2"\n')),
    case(
        "toml-report-dir-number",
        run(),
        "commerce-ci.toml",
        "report_dir",
        files=toml("report_dir = 3\n"),
    ),
    case(
        "toml-registry-list",
        run(),
        "commerce-ci.toml",
        "registry",
        files=toml('registry = ["a.example"]\n'),
    ),
    case(
        "toml-verify-string",
        ("promote", "cart", *GITOPS),
        "commerce-ci.toml",
        "verify_signatures",
        files=toml('verify_signatures = "maybe"\n'),
    ),
    case("toml-engine-table", run(), "commerce-ci.toml", "engine", files=toml("[engine]\nx = 1\n")),
    case("toml-unknown-key", run(), "commerce-ci.toml", "job", files=toml("job = 2\n")),
    case("toml-malformed", run(), "commerce-ci.toml", files=toml("jobs = = 2\n")),
    case("toml-not-utf8", run(), "commerce-ci.toml", files={"commerce-ci.toml": b"# caf\xe9\n"}),
    case(
        "toml-oversized",
        run(),
        "commerce-ci.toml",
        files=toml("# padding\n" * (MIB // 10 + 10)),
    ),
    case(
        "toml-on-plan-path", ("services",), "commerce-ci.toml", "jobs", files=toml("jobs = true\n")
    ),
    case("flag-timeout-nan", run("--step-timeout", "nan"), "--step-timeout"),
    case("flag-timeout-inf", run("--step-timeout", "inf"), "--step-timeout"),
    case("flag-timeout-huge", run("--step-timeout", "1e400"), "--step-timeout"),
    case("flag-timeout-negative", run("--step-timeout=-5"), "--step-timeout"),
    case(
        "env-timeout-nan",
        run(),
        "COMMERCE_CI_STEP_TIMEOUT",
        env={"COMMERCE_CI_STEP_TIMEOUT": "NaN"},
    ),
    case("flag-jobs-zero", run("--jobs", "0"), "--jobs"),
    case("flag-jobs-word", run("--jobs", "many"), "--jobs"),
    case("flag-fail-on-unknown", run("--fail-on", "severe"), "--fail-on"),
    case("flag-engine-unknown", run("--engine", "docker"), "--engine"),
    case("oversized-flag-value", run("--fail-on", LONG), "--fail-on"),
    # --- the folders a run writes into, and the offline database it reads
    case(
        "report-dir-is-a-file",
        run("--report-dir", "services/cart/service.yaml"),
        "--report-dir",
    ),
    case(
        "report-dir-under-a-file",
        run("--report-dir", "services/cart/requirements.txt/reports"),
        "--report-dir",
    ),
    case("cache-dir-is-a-file", run("--cache-dir", "services/cart/service.yaml"), "--cache-dir"),
    case(
        "cache-dir-file-from-toml",
        run(),
        "commerce-ci.toml",
        "cache_dir",
        files=toml('cache_dir = "services/cart/requirements.txt"\n'),
    ),
    case("vuln-db-missing", run("--vuln-db", "{tmp}/nope"), "--vuln-db"),
    case("vuln-db-empty", run("--vuln-db", "{tmp}/vulndb"), "--vuln-db", setup=_empty_vulndb),
    case(
        "vuln-db-without-zips",
        run("--vuln-db", "{tmp}/vulndb"),
        "--vuln-db",
        setup=_vulndb_without_zips,
    ),
    case("vuln-db-is-a-file", run("--vuln-db", "services/cart/service.yaml"), "--vuln-db"),
    # --- service.yaml and the catalog
    case(
        "service-yaml-not-utf8",
        run(),
        "services/cart/service.yaml",
        files={"services/cart/service.yaml": NOT_UTF8},
    ),
    case(
        "service-yaml-not-utf8-services",
        ("services",),
        "services/cart/service.yaml",
        files={"services/cart/service.yaml": NOT_UTF8},
    ),
    case(
        "service-yaml-not-utf8-plan",
        ("plan", "--base", "HEAD"),
        "services/cart/service.yaml",
        files={"services/cart/service.yaml": NOT_UTF8},
    ),
    case(
        "service-yaml-oversized",
        run(),
        "services/cart/service.yaml",
        files={"services/cart/service.yaml": SERVICE_YAML + "#" * (MIB + 1) + "\n"},
    ),
    case(
        "service-yaml-oversized-services",
        ("services",),
        "services/cart/service.yaml",
        files={"services/cart/service.yaml": SERVICE_YAML + "#" * (MIB + 1) + "\n"},
    ),
    case(
        "service-yaml-unknown-key",
        run(),
        "services/cart/service.yaml",
        "prot",
        files={
            "services/cart/service.yaml": SERVICE_YAML.replace("port: 8080", "port: 8080\nprot: 1")
        },
    ),
    case(
        "service-yaml-port-boolean",
        run(),
        "services/cart/service.yaml",
        "port",
        files={"services/cart/service.yaml": SERVICE_YAML.replace("8080", "true")},
    ),
    case(
        "service-yaml-command-string",
        run(),
        "services/cart/service.yaml",
        "commands",
        files={
            "services/cart/service.yaml": SERVICE_YAML.split("commands:")[0]
            + "commands:\n  build: make all\n"
        },
    ),
    case(
        "service-yaml-inputs-escape",
        run(),
        "services/cart/service.yaml",
        "inputs",
        files={
            "services/cart/service.yaml": SERVICE_YAML.replace(
                "port: 8080\n", "port: 8080\ninputs: [../outside/**]\n"
            )
        },
    ),
    case(
        "service-yaml-a-list",
        ("services",),
        "services/cart/service.yaml",
        files={"services/cart/service.yaml": "- name: cart\n"},
    ),
    case(
        "service-folder-symlink-outside",
        run(),
        "services/cart",
        setup=_outside_service,
    ),
    case(
        "service-yaml-symlink-outside",
        run(),
        "services/cart/service.yaml",
        setup=_symlink("services/cart/service.yaml", "elsewhere.yaml"),
    ),
    case(
        "service-yaml-symlink-outside-services",
        ("services",),
        "services/cart/service.yaml",
        setup=_symlink("services/cart/service.yaml", "elsewhere.yaml"),
    ),
    case(
        "inputs-symlink-outside",
        run(),
        "services/cart/service.yaml",
        "inputs",
        setup=_outside_inputs,
    ),
    case(
        "services-dir-outside",
        run("--services-dir", "{tmp}/elsewhere"),
        "--services-dir",
        setup=_outside_services_dir,
    ),
    case(
        "services-dir-dotdot",
        ("services", "--services-dir", "../../elsewhere"),
        "--services-dir",
        setup=_outside_services_dir,
    ),
    case(
        "services-dir-symlink-outside",
        run("--services-dir", "linked"),
        "--services-dir",
        setup=_services_dir_link,
    ),
    case("services-dir-missing", run("--services-dir", "nowhere"), "nowhere"),
    case("empty-catalog-run", ("run",), "services", setup=_empty_catalog),
    case("empty-catalog-services", ("services",), "services", setup=_empty_catalog),
    case("changed-selects-nothing", ("run", "--changed", "--base", "HEAD"), "--changed"),
    case("unknown-service", ("run", "crat"), "crat"),
    case("names-and-all", ("run", "cart", "--all"), "--changed/--all"),
    case("changed-bad-base", ("run", "--changed", "--base", "no-such-rev"), "no-such-rev"),
    case(
        "plan-bad-base",
        ("plan", "--base", "no-such-rev"),
        "no-such-rev",
    ),
    # --- flags
    case("stages-unknown", run("--stages", "build,deploy"), "--stages", "deploy"),
    case("stages-empty", run("--stages", ""), "--stages"),
    case("release-stages-unknown", release("--env", "dev", "--stages", "ship"), "--stages", "ship"),
    case("run-gitops-stages", run("--stages", "build,commit"), "--stages"),
    case("image-without-registry", run("--stages", "build,image"), "--registry"),
    case("release-bad-version", release("--env", "dev", "--version", "1.2"), "--version"),
    case("release-env-dotdot", release("--env", "../x"), "--env"),
    case("release-env-uppercase", release("--env", "Dev"), "--env"),
    case(
        "release-branch-git-refuses",
        release("--env", "dev", "--gitops-branch", "bad..branch"),
        "--gitops-branch",
    ),
    case(
        "release-remote-like-an-option",
        (
            "release",
            "cart",
            "--env",
            "dev",
            "--registry",
            "127.0.0.1:9",
            "--gitops-remote=--upload-pack=touch x",
        ),
        "--gitops-remote",
    ),
    case(
        "release-workdir-is-a-file",
        release("--env", "dev"),
        "--gitops-workdir",
        setup=_gitops_workdir_file,
    ),
    # --- promote and rollback
    case("promote-unknown-service", promote("crat"), "crat"),
    case("promote-unknown-to-env", promote("cart", "--to", "staging"), "staging"),
    case("promote-unknown-from-env", promote("cart", "--from", "qa"), "qa"),
    case("promote-same-env", promote("cart", "--from", "dev", "--to", "dev"), "dev"),
    case("promote-env-dotdot", promote("cart", "--to", "../x"), "../x"),
    case("promote-from-dotdot", promote("cart", "--from", "../../etc"), "../../etc"),
    case(
        "promote-branch-git-refuses", promote("cart", "--gitops-branch", "x~1"), "--gitops-branch"
    ),
    case("promote-branch-option", promote("cart", "--gitops-branch=-b"), "--gitops-branch"),
    case(
        "promote-workdir-is-a-file", promote("cart"), "--gitops-workdir", setup=_gitops_workdir_file
    ),
    case(
        "promote-malformed-values",
        promote("cart"),
        "argocd/envs/dev/cart.yaml",
        setup=_values("dev", "image:\n  repository: [unclosed\n  tag: x\n"),
    ),
    case(
        "promote-malformed-target-values",
        promote("cart"),
        "argocd/envs/prod/cart.yaml",
        setup=_values("prod", "image: {\n"),
    ),
    case(
        "promote-image-not-a-mapping",
        promote("cart"),
        "argocd/envs/dev/cart.yaml",
        "image",
        setup=_values("dev", "image: registry.example/commerce/cart:abc\n"),
    ),
    case(
        "promote-values-not-utf8",
        promote("cart"),
        "argocd/envs/dev/cart.yaml",
        setup=_values("dev", b"image:\n  repository: caf\xe9\n"),
    ),
    case(
        "promote-values-oversized",
        promote("cart"),
        "argocd/envs/dev/cart.yaml",
        setup=_values("dev", values(DIGEST_DEV) + "#" * (MIB + 1) + "\n"),
    ),
    case("rollback-unknown-service", rollback("crat", "--env", "dev"), "crat"),
    case("rollback-unknown-env", rollback("cart", "--env", "staging"), "staging"),
    case("rollback-env-dotdot", rollback("cart", "--env", "../x"), "../x"),
    case(
        "rollback-digest-never-ran",
        rollback("cart", "--env", "dev", "--to", DIGEST_NEVER),
        DIGEST_NEVER,
    ),
    case("rollback-digest-malformed", rollback("cart", "--env", "dev", "--to", "latest"), "--to"),
    case(
        "rollback-image-not-a-mapping",
        rollback("cart", "--env", "dev"),
        "argocd/envs/dev/cart.yaml",
        "image",
        setup=_values("dev", "image: 3\n"),
    ),
    case(
        "write-back-missing-report",
        ("write-back", "{tmp}/none.json", "--env", "dev", *GITOPS[:4]),
        "none.json",
    ),
    case(
        "write-back-not-a-report",
        ("write-back", "{tmp}/report.json", "--env", "dev", *GITOPS[:4]),
        "report.json",
        "services",
        setup=_outside_file("report.json", '{"stages": []}'),
    ),
    case(
        "write-back-image-not-an-object",
        ("write-back", "{tmp}/report.json", "--env", "dev", *GITOPS[:4]),
        "report.json",
        "services.cart.image",
        setup=_outside_file("report.json", REPORT_WITH_IMAGE.replace("IMAGE", "3")),
    ),
    # --- the other commands
    case("report-missing", ("report", "{tmp}/none.json"), "none.json"),
    case(
        "report-not-json",
        ("report", "{tmp}/report.json"),
        "report.json",
        setup=_outside_file("report.json", "{"),
    ),
    case(
        "report-output-is-a-folder",
        ("report", "{tmp}/report.json", "--output", "services"),
        "--output",
        setup=_outside_file("report.json", REPORT_WITH_IMAGE.replace("IMAGE", "null")),
    ),
    case("images-unknown-service", ("images", "crat", "--registry", "127.0.0.1:9"), "crat"),
    case("bases-unknown-kind", ("bases", "alpine", "--registry", "127.0.0.1:9"), "alpine"),
    case("shop-unknown-service", ("shop", "up", "crat", "--no-build"), "crat"),
    case(
        "shop-port-offset-out-of-range", ("shop", "up", "--port-offset", "-9000"), "--port-offset"
    ),
    case(
        "shop-cache-dir-is-a-file",
        ("shop", "up", "--cache-dir", "services/cart/service.yaml"),
        "--cache-dir",
    ),
    case("unknown-flag", ("doctor", "--fix"), "--fix"),
    case("unknown-command", ("deploy",), "deploy"),
    case(
        "write-back-env-dotdot",
        ("write-back", "services/cart/service.yaml", "--env", "../x", *GITOPS[:4]),
        "--env",
    ),
]


def _run(root: Path, outside: Path, given: Case) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMERCE_CI_")}
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.pop("GITHUB_ACTIONS", None)
    # A secret in the environment, as CI holds one: no error may print it either.
    env.update(
        PYTHONPATH=str(PROJECT_ROOT),
        COMMERCE_CI_REGISTRY_PASSWORD=SECRET,
        GITOPS_TOKEN=SECRET,
        **given.env,
    )
    places = {
        "{tmp}": str(outside),
        "{remote}": str(outside / "remote.git"),
        "{work}": str(outside / "work"),
        "{pub}": str(outside / "cosign.pub"),
    }
    argv = []
    for word in given.argv:
        for key, value in places.items():
            word = word.replace(key, value)
        argv.append(word)
    return subprocess.run(
        [*CLI, *argv],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _state(root: Path, outside: Path) -> tuple[str, str]:
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--ignored")
    refs = git(outside / "remote.git", "for-each-ref")
    return status, refs


@pytest.fixture
def scratch(templates: Path, tmp_path: Path) -> tuple[Path, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copytree(templates / "repo", tmp_path / "repo", symlinks=True)
    shutil.copytree(templates / "remote.git", outside / "remote.git")
    shutil.copy(templates / "cosign.pub", outside / "cosign.pub")
    return tmp_path / "repo", outside


def refused(scratch: tuple[Path, Path], given: Case) -> tuple[str, str]:
    """Run the case; check the rule; return (stdout, stderr)."""
    root, outside = scratch
    _write(root, given.files)
    if given.setup is not None:
        given.setup(root, outside)
    before = _state(root, outside)

    done = _run(root, outside, given)

    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert SECRET not in output, output
    assert done.returncode == given.code, output
    # The GitOps committer logs each git command it runs ("[gitops id] git clone ..."): progress,
    # not the error, which is the one other line.
    progress = ("hint: ", "[gitops ")
    lines = [line for line in done.stderr.splitlines() if not line.startswith(progress)]
    assert len(lines) == 1, done.stderr
    error = lines[0]
    assert ": error: " in error, error
    assert len(error) < 600, error
    for name in given.names:
        assert name in error, error
    assert _state(root, outside) == before, output
    return done.stdout, done.stderr


@pytest.mark.parametrize("given", CASES)
def test_bad_input_is_refused_with_one_line_and_nothing_written(scratch, given):
    refused(scratch, given)


def test_the_corpus_holds_at_least_sixty_cases():
    assert len(CASES) >= 60


SWEEP = [
    run("--registry", f"user:{SECRET}@host"),
    run("--registry", f"https://{SECRET}@host/x"),
    run(
        "--stages", "build,image", "--registry", "127.0.0.1:9", "--base-registry", f"u:{SECRET}@h/x"
    ),
    run("--stages", "build,image", "--registry", "127.0.0.1:9", "--base-mirror", f"u:{SECRET}@m"),
    run("--source-url", f"https://u:{SECRET}@example.com/x", "--jobs", "0"),
    ("promote", "cart", "--gitops-remote", f"https://x:{SECRET}@", "--gitops-branch", "a..b"),
    (
        "promote",
        "crat",
        "--gitops-remote",
        f"https://x-access-token:{SECRET}@example.invalid/r.git",
    ),
    ("rollback", "cart", "--env", "../x", "--gitops-remote", f"https://u:{SECRET}@h/r.git"),
    ("images", "cart", "--registry", f"https://u:{SECRET}@h:99999"),
]


@pytest.mark.parametrize("argv", SWEEP, ids=[f"sweep-{i}" for i in range(len(SWEEP))])
def test_a_planted_secret_never_reaches_an_error(scratch, argv):
    """However a secret is given (a flag, a URL, a service name), the error never shows it."""
    root, outside = scratch
    done = _run(root, outside, Case("sweep", argv, ()))
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert SECRET not in output, output
    assert "Traceback" not in output, output
