#!/usr/bin/env bash
# Time the README's two commands on a fresh clone of this repository (warm package cache).
# Prints figures, asserts nothing. Run from the repository root:
#
#   bash bench/bench_install.sh            # install + demo, then install + tests
#   bash bench/bench_install.sh --no-tests # install + demo only
#
# Each command runs in its own fresh clone and venv, with PYTHONDONTWRITEBYTECODE unset
# as users run. The clone is of the committed HEAD.
set -euo pipefail
cd "$(dirname "$0")/.."
unset PYTHONDONTWRITEBYTECODE
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
install='python3 -m venv .venv && . .venv/bin/activate && pip install -q --require-hashes -r requirements.lock && pip install -q --no-deps --no-build-isolation -e .'

timed() {  # timed LABEL DIR COMMAND
  local start end
  start=$(date +%s.%N)
  (cd "$2" && bash -c "$3") >"$work/$1.log" 2>&1 || { echo "$1 failed; see below"; tail -20 "$work/$1.log"; exit 1; }
  end=$(date +%s.%N)
  printf '%-10s %6.1f s\n' "$1" "$(echo "$end - $start" | bc)"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
git clone -q . "$work/one"
timed install1 "$work/one" "$install"
timed demo "$work/one" ". .venv/bin/activate && devussy-git demo"
if [ "${1:-}" != "--no-tests" ]; then
  git clone -q . "$work/two"
  timed install2 "$work/two" "$install"
  timed tests "$work/two" ". .venv/bin/activate && python -m pytest -q -p no:cacheprovider"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
