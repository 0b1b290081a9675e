from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("comments/campaigns/<slug:slug>/", views.post_on_campaign, name="post_campaign"),
    path("comments/centres/<slug:scope>/", views.post_on_centre, name="post_centre"),
    path("comments/<int:pk>/reply/", views.reply, name="reply"),
    path("comments/<int:pk>/report/", views.report, name="report"),
    path("comments/confirm/<str:token>/", views.confirm, name="confirm"),
]
