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

# uv, so the tests cover both ways a task environment is built (uv, and venv + pip), and
# maturin, which builds the wheel users install.
tools=target/test-tools
if [ ! -x "$tools/bin/uv" ] || [ ! -x "$tools/bin/maturin" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check uv maturin
fi
export LIVEJUDGE_TEST_UV="$PWD/$tools/bin/uv"

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# The tests assert strict isolation: fail here, with the reasons, if this machine cannot.
cargo build --locked --quiet
# What users install, built here (a build from inside `cargo test` would wait on its lock)
# and tried from an empty folder by tests/integration/install.rs: the wheel (pip, pipx, uv
# tool) and `cargo install --path .`. Both reuse the debug build above.
installs=target/test-installs
rm -rf "$installs"
"$tools/bin/maturin" build --profile dev --locked --out "$installs/wheels" >"$installs.log" 2>&1 || {
  cat "$installs.log" >&2
  exit 1
}
cargo install --path . --debug --locked --quiet --root "$installs/cargo" --target-dir target
LIVEJUDGE_TEST_WHEEL=$(echo "$PWD/$installs"/wheels/livejudge-*.whl)
export LIVEJUDGE_TEST_WHEEL
export LIVEJUDGE_TEST_CARGO_INSTALL="$PWD/$installs/cargo/bin/livejudge"
target/debug/livejudge doctor || {
  echo "scripts/test.sh: strict isolation is not available here (see above)" >&2
  exit 3
}
cargo test --locked
