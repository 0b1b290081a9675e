from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    # The signed link of petition delivery mails (officials have no login).
    path("outreach/signatures/<str:token>/", views.signatures_csv, name="signatures_csv"),
]
