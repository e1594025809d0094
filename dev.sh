#!/usr/bin/env bash
# One entry point that does all the set-up, then runs what you ask for:
#   bash dev.sh book [--quick] [--force]   execute the chapters that changed since their last good run (all with --force)
#                                with papermill, then build the book into _build/html
#   bash dev.sh test [pytest args]   the whole test suite (CI runs it with -m "not install": the Colab venv test is its own job)
#   bash dev.sh colab            build the wheel into _build/wheel and resolve it against Colab's package sets (tests/colab/)
#   bash dev.sh shell            a shell with the course's virtual environment active
# It needs Python 3.10+ (set PYTHON=/path/to/python to choose one) and creates ./.venv on first use.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -c 'import sys; assert sys.version_info >= (3, 10), f"seqcourse needs Python 3.10 or newer, found {sys.version.split()[0]}"'
  echo "dev.sh: creating the virtual environment .venv with $("$PY" --version)"
  "$PY" -m venv .venv
fi

# (Re)install when the package metadata changed since the last install.
stamp=.venv/.seqcourse-installed
want=$(cat settings.ini pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "dev.sh: installing seqcourse with its dev tools into .venv (first time: a few minutes) ..."
  if ! { .venv/bin/python -m pip install --upgrade pip setuptools wheel \
         && .venv/bin/python -m pip install -e ".[dev]"; } > .venv/install.log 2>&1; then
    tail -30 .venv/install.log; echo "dev.sh: the installation failed (full log: .venv/install.log)" >&2; exit 1
  fi
  echo "$want" > "$stamp"
fi

cmd=${1:-help}; shift || true
case "$cmd" in
  book)  exec .venv/bin/seqcourse book "$@" ;;
  test)  exec .venv/bin/python -m pytest "$@" ;;
  colab) rm -rf _build/wheel && .venv/bin/python -m pip wheel --no-deps -q -w _build/wheel . \
           && exec .venv/bin/python tools/colab_resolve.py _build/wheel/seqcourse-*.whl ;;
  shell) exec bash --rcfile <(echo 'source .venv/bin/activate; PS1="(seqcourse) $PS1"') ;;
  *)     sed -n '2,8p' "$0"; [ "$cmd" = help ] || exit 2 ;;
esac
