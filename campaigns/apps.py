from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self):
        from .roles import ensure_roles
        from .signals import connect_media_signals, connect_page_cache_signals

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="campaigns.ensure_roles")
        connect_page_cache_signals()
        connect_media_signals()
