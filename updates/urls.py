from django.urls import path

from . import views

app_name = "updates"

urlpatterns = [
    path("campaigns/<slug:slug>/follow/", views.follow_campaign, name="follow_campaign"),
    path("campaigns/<slug:slug>/follow/sent/", views.sent_campaign, name="sent_campaign"),
    path("centres/<slug:scope>/follow/", views.follow_centre, name="follow_centre"),
    path("centres/<slug:scope>/follow/sent/", views.sent_centre, name="sent_centre"),
    path("follow/confirm/<str:token>/", views.confirm, name="confirm"),
]
