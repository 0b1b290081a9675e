from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from core.views import healthz
from mailer.unsubscribe import unsubscribe_page

admin.site.site_header = "Sister City Campaign"
admin.site.site_title = "Sister City Campaign admin"
admin.site.index_title = "Campaign administration"
if settings.STAFF_2FA_REQUIRED:
    # django-otp's documented switch: the admin login then asks for a one-time code too, and
    # a staff user logged in without one is treated as not staff.
    admin.site.__class__ = OTPAdminSite

urlpatterns = [
    # The public pages a surge hits (status table, campaign page, sign form) are tried first:
    # every pattern before them costs each of their requests a failed match.
    path("", include("campaigns.urls")),
    path("", include("petitions.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    # Load balancers and uptime monitors: database, Redis and Celery heartbeat (core.health).
    path("healthz", healthz, name="healthz"),
    # The language switcher posts here (django.views.i18n.set_language: a cookie, same URLs).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("comments.urls")),
    path("", include("updates.urls")),
    # One-click unsubscribe (RFC 8058) from any subscriber mail; see mailer.unsubscribe.
    path("unsubscribe/<str:token>/", unsubscribe_page, name="unsubscribe"),
    path("moderation/", include("comments.moderation_urls")),
    path("", include("outreach.urls")),
    # Atom feeds of campaigns, officials' responses and news (config.feeds: spans the apps).
    path("feeds/", include("config.feeds")),
    # ESP webhooks (delivery tracking, inbound replies): django-anymail behind a secret.
    path("anymail/", include("mailer.urls")),
]
# Campaign images with DEBUG on (an empty list otherwise: the web server serves them).
urlpatterns += static(settings.PUBLIC_MEDIA_URL, document_root=settings.PUBLIC_MEDIA_ROOT)
