"""Turn a mail URL (``EMAIL_URL``) into a Django 6.1 ``MAILERS`` entry.

django-environ's ``email_url()`` still returns the old ``EMAIL_*`` keys, which Django 6.1
refuses to mix with ``MAILERS``; this adapter covers the schemes the project documents.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "submission": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
}


def mailer_from_url(url):
    """Return ``{"BACKEND": ..., "OPTIONS": {...}}`` for ``url``.

    ``console://``, ``file:///path/to/dir``, ``locmem://``, ``smtp://user:pass@host:25``,
    ``smtp+tls://…:587`` (STARTTLS), ``smtps://…:465`` (implicit TLS), and
    ``anymail://<esp>`` (an ESP backend of django-anymail, configured by ``ANYMAIL_*``).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "anymail":
        esp = parts.netloc or parts.path.strip("/")
        if not esp.isidentifier():
            raise ImproperlyConfigured(f"EMAIL_URL: bad anymail ESP name {esp!r}")
        return {"BACKEND": f"anymail.backends.{esp}.EmailBackend", "OPTIONS": {}}
    if scheme not in BACKENDS:
        raise ImproperlyConfigured(
            f"EMAIL_URL: unsupported scheme {scheme!r} (use one of {', '.join(sorted(BACKENDS))}"
            ", anymail)"
        )
    config = {"BACKEND": BACKENDS[scheme], "OPTIONS": {}}
    if scheme == "file":
        config["OPTIONS"]["file_path"] = unquote(parts.path) or "mail"
    elif scheme.startswith("smtp") or scheme == "submission":
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        options = config["OPTIONS"]
        options["host"] = parts.hostname or "localhost"
        options["port"] = parts.port or {"smtps": 465, "smtp+ssl": 465}.get(scheme, 25)
        if parts.username:
            options["username"] = unquote(parts.username)
            options["password"] = unquote(parts.password or "")
        options["use_tls"] = scheme in {"smtp+tls", "submission"}
        options["use_ssl"] = scheme in {"smtps", "smtp+ssl"}
        if "timeout" in query:
            options["timeout"] = int(query["timeout"])
        else:
            options["timeout"] = 20
    return config
