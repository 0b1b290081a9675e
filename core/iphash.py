"""Client IPs are stored only as keyed hashes."""

import hashlib
import hmac

from django.conf import settings


def hash_ip(ip):
    """Keyed HMAC of a client IP: lets staff group abuse by source without storing the IP."""
    if not ip:
        return ""
    return hmac.new(settings.IP_HASH_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()
