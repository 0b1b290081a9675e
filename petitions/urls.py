from django.urls import path

from . import views

app_name = "petitions"

urlpatterns = [
    path("campaigns/<slug:slug>/sign/", views.sign, name="sign"),
    path("campaigns/<slug:slug>/sign/sent/", views.sent, name="sent"),
    path("petitions/confirm/<str:token>/", views.confirm, name="confirm"),
    path("petitions/thanks/<str:token>/", views.thanks, name="thanks"),
    path("petitions/withdraw/<str:token>/", views.withdraw, name="withdraw"),
]
