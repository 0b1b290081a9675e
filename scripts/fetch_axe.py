"""Fetch axe-core (the accessibility rules engine) for tests/browser/test_accessibility.py.

A pinned version is downloaded once from the npm registry into ``.cache/axe/`` (gitignored)
and checked against the registry's SHA-512 integrity before ``axe.min.js`` is taken out of
the tarball: a tampered or truncated download never reaches the tests. ``make test`` runs
this first; running it again with the file in place does nothing.
"""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
# ``npm view axe-core@4.14.1 dist.integrity``: the tarball's SHA-512, base64.
INTEGRITY = (
    "sha512-"
    "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
TARBALL_URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "axe"
MEMBER = "package/axe.min.js"


def axe_path():
    """Where the pinned ``axe.min.js`` is kept."""
    return CACHE_DIR / f"axe-core-{VERSION}.min.js"


def check_integrity(data, integrity=INTEGRITY):
    """Raise ValueError unless ``data`` has the SRI-style ``sha512-…`` digest ``integrity``."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise ValueError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise ValueError(f"axe-core {VERSION} tarball has sha512-{actual}, expected {integrity}")


def extract(tarball):
    """The bytes of ``axe.min.js`` in the npm tarball."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise ValueError(f"{MEMBER} is not a file in the axe-core tarball")
        return member.read()


def fetch():
    """Download, verify and store axe-core unless it is there already; returns its path."""
    path = axe_path()
    if path.exists():
        return path
    print(f"Downloading axe-core {VERSION} from the npm registry")
    with urllib.request.urlopen(TARBALL_URL, timeout=60) as response:
        tarball = response.read()
    check_integrity(tarball)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_bytes(extract(tarball))
    partial.replace(path)
    print(f"Stored {path}")
    return path


if __name__ == "__main__":
    try:
        fetch()
    except (OSError, ValueError, tarfile.TarError) as error:
        sys.exit(f"error: could not fetch axe-core: {error}")
