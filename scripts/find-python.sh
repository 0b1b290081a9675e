#!/usr/bin/env sh
# Print the path of a Python >= 3.12 for the virtualenv, newest first; fail clearly if none.
for candidate in "${PYTHON:-}" python3.13 python3.12 \
    $(ls -d /root/.pyenv/versions/3.13.*/bin/python3 /root/.pyenv/versions/3.12.*/bin/python3 2>/dev/null | sort -rV) \
    python3; do
    [ -n "$candidate" ] || continue
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if "$path" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        echo "$path"
        exit 0
    fi
done
echo "error: no Python >= 3.12 found (tried \$PYTHON, python3.13, python3.12, pyenv 3.13.*/3.12.*, python3)." >&2
echo "Install one (e.g. 'pyenv install 3.13') or run 'make PYTHON=/path/to/python3.13 ...'." >&2
exit 1
