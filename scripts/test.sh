#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script).
# It installs the system packages it needs when they are missing (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
# The sandbox: every test runs submissions under --isolation strict or auto.
command -v bwrap >/dev/null || missing+=(bubblewrap)
# The HTML report is checked in a real browser (tests/integration/reports.rs).
command -v chromium >/dev/null || missing+=(chromium chromium-driver)
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 3
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# uv, so the tests cover both ways a task environment is built (uv, and venv + pip).
tools=target/test-tools
if [ ! -x "$tools/bin/uv" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check uv
fi
export LIVEJUDGE_TEST_UV="$PWD/$tools/bin/uv"

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# The tests assert strict isolation: fail here, with the reasons, if this machine cannot.
cargo build --locked --quiet
target/debug/livejudge doctor || {
  echo "scripts/test.sh: strict isolation is not available here (see above)" >&2
  exit 3
}
cargo test --locked
