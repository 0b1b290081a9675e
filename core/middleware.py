"""Site-wide response policies: a 503 while the database is down, and Permissions-Policy."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError

from .views import database_unavailable

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a "back soon" page when a view cannot reach the database.

    Without it a PostgreSQL outage shows as a bare 500 and looks like a bug. Every write path
    runs in a transaction, so the failed request left nothing half-written and the page can
    honestly ask to send the form again. Logged as an error (and so reported to Sentry).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error(
            "database unavailable: %s %s answered 503",
            request.method,
            request.path,
            exc_info=exception,
        )
        return database_unavailable(request)


class PermissionsPolicyMiddleware:
    """Send ``Permissions-Policy`` built from ``settings.PERMISSIONS_POLICY``.

    ``{"camera": []}`` becomes ``camera=()``: the feature is off for this site and anything
    it embeds. Django has no setting for this header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = ", ".join(
                f"{feature}=({' '.join(allowed)})"
                for feature, allowed in settings.PERMISSIONS_POLICY.items()
            )
        return response
