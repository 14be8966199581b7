"""Make a `pip install --target` folder reproducible: what pip leaves that names the machine.

pip records where each local package was installed from (`direct_url.json`, PEP 610: a
`file://` URL of the checkout), and lists that file's hash in `RECORD`; two clones at the same
commit in different folders would ship different bytes. The installed files carry no such path
once bytecode is off (`--no-compile`): stale `.pyc` files would hold the install time and pip's
random temporary folder. This script drops both, and is run as `python -c` in the build's own
Python, so both engines run the same thing with no file of ours inside the builder container.
"""

from __future__ import annotations

#: argv: python -c NORMALISE <folder>. Deterministic: sorted walks, RECORD lines kept in order.
NORMALISE = """
import pathlib, shutil, sys
root = pathlib.Path(sys.argv[1])
for cache in sorted(root.rglob("__pycache__"), reverse=True):
    shutil.rmtree(cache)
for stray in sorted(root.rglob("*.pyc")):
    stray.unlink()
for info in sorted(root.glob("*.dist-info")):
    direct = info / "direct_url.json"
    record = info / "RECORD"
    if direct.exists():
        direct.unlink()
    if record.exists():
        name = info.name + "/direct_url.json,"
        lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(name)]
        record.write_text("".join(kept), encoding="utf-8")
"""
