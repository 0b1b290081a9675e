from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Sister City Campaign"
admin.site.site_title = "Sister City Campaign admin"
admin.site.index_title = "Campaign administration"

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("campaigns.urls")),
    path("", include("petitions.urls")),
    path("", include("comments.urls")),
    path("moderation/", include("comments.moderation_urls")),
]
