"""``/moderation/``: the volunteers' queues and actions (see ``comments.moderation_views``)."""

from django.urls import path

from . import moderation_views as views
from .models import ModerationQueue

app_name = "moderation"

urlpatterns = [
    path("", views.queue, {"queue": ModerationQueue.HELD}, name="held"),
    path("flagged/", views.queue, {"queue": ModerationQueue.FLAGGED}, name="flagged"),
    path("published/", views.queue, {"queue": ModerationQueue.PUBLISHED}, name="published"),
    path("rejected/", views.queue, {"queue": ModerationQueue.REJECTED}, name="rejected"),
    path("bulk/", views.bulk, name="bulk"),
    path("comments/<int:pk>/", views.detail, name="detail"),
    path("comments/<int:pk>/approve/", views.approve, name="approve"),
    path("comments/<int:pk>/reject/", views.reject, name="reject"),
    path("comments/<int:pk>/edit/", views.edit, name="edit"),
    path("comments/<int:pk>/block/", views.block, name="block"),
]
