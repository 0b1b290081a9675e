from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.centre, {"scope": "non-us"}, name="home"),
    path("us/", views.centre, {"scope": "us"}, name="us_centre"),
    path("status.csv", views.status_csv, name="status_csv"),
    path("status.json", views.status_json, name="status_json"),
    path("campaigns/<slug:slug>/", views.detail, name="detail"),
    path("campaigns/<slug:slug>/letter/", views.letter, name="letter"),
]
