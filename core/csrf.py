"""CSRF tokens for pages served from the page cache, in Django's format, at a tenth of the cost.

``django.middleware.csrf.get_token`` draws each character of a new secret and of its mask with
``secrets.choice``: 64 ``os.urandom`` calls, about half of what a cached campaign page cost a
first-time visitor (no CSRF cookie yet). ``get_token`` below draws the same strings — uniform
over the same 62 characters, from the same CSPRNG — from one ``os.urandom`` call each, and
otherwise does what Django's does: it reuses the visitor's secret when the CSRF middleware found
one, or puts a new one where the middleware sets it as the cookie. Its tokens are checked by
Django's own middleware, unchanged (tests/core/test_csrf.py).
"""

import secrets

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

BASE = len(CSRF_ALLOWED_CHARS)
INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
# Random bytes below KEEP (248 = 4 * 62) map evenly onto the 62 characters; the rest are
# dropped, so every character is equally likely.
KEEP = 256 - 256 % BASE
TO_CHARS = bytes(
    CSRF_ALLOWED_CHARS.encode()[byte % BASE] if byte < KEEP else 0 for byte in range(256)
)
DROPPED = bytes(range(KEEP, 256))


def random_string(length=CSRF_SECRET_LENGTH):
    """``length`` characters drawn uniformly from Django's CSRF alphabet."""
    text = b""
    while len(text) < length:
        text += secrets.token_bytes(length + 8).translate(TO_CHARS, DROPPED)
    return text[:length].decode()


def get_token(request):
    """A masked CSRF token for ``request``, exactly as ``django.middleware.csrf.get_token``."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = random_string()
    # Sends the cookie again (new, or with a renewed expiry), as Django's get_token does.
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = random_string()
    cipher = [
        CSRF_ALLOWED_CHARS[(INDEX[char] + INDEX[offset]) % BASE]
        for char, offset in zip(secret, mask, strict=True)
    ]
    return mask + "".join(cipher)
