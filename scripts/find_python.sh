#!/usr/bin/env bash
# Prints the path of a Python 3.10 (Rasa Open Source 3.6 supports 3.8 to 3.10 only):
# python3.10 on PATH, else a pyenv install. Exits 1 with advice when there is none.
set -euo pipefail
is310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
candidates=()
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for p in "$root"/versions/3.10*/bin/python3.10; do candidates+=("$p"); done
fi
for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  candidates+=("$p")
done
for p in "${candidates[@]}"; do
  if [ -x "$p" ] && is310 "$p"; then echo "$p"; exit 0; fi
done
cat >&2 <<'MSG'
error: no Python 3.10 found. Rasa Open Source 3.6 needs Python 3.8-3.10; this project uses 3.10.
Install one, for example:
  pyenv install 3.10        (then run make again)
  or: apt-get install python3.10 python3.10-venv
MSG
exit 1
