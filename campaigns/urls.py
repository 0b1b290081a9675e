from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .sitemaps import SITEMAPS

app_name = "campaigns"

urlpatterns = [
    path("", views.centre, {"scope": "non-us"}, name="home"),
    path("us/", views.centre, {"scope": "us"}, name="us_centre"),
    path("status.csv", views.status_csv, name="status_csv"),
    path("status.json", views.status_json, name="status_json"),
    path("campaigns/<slug:slug>/", views.detail, name="detail"),
    path("campaigns/<slug:slug>/letter/", views.letter, name="letter"),
    path("campaigns/<slug:slug>/embassy/", views.embassy, name="embassy"),
    path("campaigns/<slug:slug>/share.png", views.share_image, name="share_image"),
    path("campaigns/<slug:slug>/embed/", views.embed, name="embed"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
