#!/usr/bin/env bash
# Install packages into the virtualenv whose bin/ is $1: with uv when it can be had (a fresh
# `pip install -e .[dev]` took 171 s here, uv 25 s), else with pip. uv reads no pip.conf, so
# the find-links, indexes and constraints pip is configured with (files or PIP_* variables)
# are passed on to it. NASKAH_INSTALLER=pip forces pip.
set -euo pipefail
bin=$1; shift
if [ "${NASKAH_INSTALLER:-uv}" = uv ] && "$bin/python" -m pip install --quiet uv >/dev/null 2>&1; then
  args=()
  while IFS= read -r line; do
    key=${line%%=*}; key=${key##*.}
    value=${line#*=}; value=${value#\'}; value=${value%\'}
    case $key in
      find-links|extra-index-url|index-url|constraint) ;;
      *) continue ;;
    esac
    for item in $value; do
      # pip skips a missing local index with a warning; uv would stop.
      if [[ $item == file://* && ! -e ${item#file://} ]]; then continue; fi
      args+=("--$key" "$item")
    done
  done < <("$bin/python" -m pip config list 2>/dev/null)
  # As pip does: every index weighs the same (uv would stop at the first that knows a
  # package), and modules are compiled (the first start would otherwise compile them).
  if "$bin/uv" pip install --quiet --compile-bytecode --index-strategy unsafe-best-match \
    --python "$bin/python" "${args[@]}" "$@"; then
    exit 0
  fi
  echo "uv could not install; trying pip." >&2
fi
"$bin/python" -m pip install --quiet --upgrade pip
exec "$bin/python" -m pip install --quiet "$@"
