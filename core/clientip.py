"""The client's IP address, trusting proxy headers only as far as they are configured."""

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or the address our own proxies saw when ``TRUSTED_PROXY_COUNT`` > 0.

    With N trusted proxies in front of the app, the client is the N-th address from the right
    of X-Forwarded-For; anything further left was written by the client and is ignored, so a
    spoofed header cannot pick its own rate-limit bucket.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]
