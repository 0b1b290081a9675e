"""django-anymail's webhook URLs (``/anymail/<esp>/tracking/``, ``/anymail/<esp>/inbound/``),
closed until a webhook secret is configured.

Anymail authenticates webhooks with HTTP basic auth against ``ANYMAIL_WEBHOOK_SECRET``, but
answers a request without it with 400, and with no secret configured it accepts anyone's
posts (fake bounces, fake replies from officials) with only a warning. So here every webhook
answers 404 until the secret is set, and 401 with a ``WWW-Authenticate`` challenge (what HTTP
clients and ESPs expect) to a request without the right credentials; anymail then checks
them again.
"""

import base64
import binascii
import functools
import hmac

from anymail import urls as anymail_urls
from anymail.utils import get_anymail_setting
from django.http import Http404, HttpResponse
from django.urls import URLPattern

app_name = "anymail"  # anymail's own URL names: reverse("anymail:postmark_tracking_webhook")


def require_webhook_secret(view):
    @functools.wraps(view)  # keeps anymail's csrf_exempt / login_not_required marks
    def wrapper(request, *args, **kwargs):
        secrets = get_anymail_setting("webhook_secret", default=None)
        if not secrets:
            raise Http404("Webhooks are off: ANYMAIL_WEBHOOK_SECRET is not set.")
        if isinstance(secrets, str):
            secrets = [secrets]
        if not _has_credentials(request, secrets):
            response = HttpResponse("Authentication required.", status=401)
            response["WWW-Authenticate"] = 'Basic realm="webhooks"'
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _has_credentials(request, secrets):
    """True when the request's basic auth "user:password" is one of ``secrets``."""
    scheme, _, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    # Compare with every secret (no early exit), in constant time.
    matches = [hmac.compare_digest(given, secret.encode()) for secret in secrets]
    return any(matches)


urlpatterns = [
    URLPattern(
        pattern.pattern,
        require_webhook_secret(pattern.callback),
        pattern.default_args,
        pattern.name,
    )
    for pattern in anymail_urls.urlpatterns
]
