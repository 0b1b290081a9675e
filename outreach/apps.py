from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "Outreach and responses"

    def ready(self):
        from anymail.signals import inbound
        from django.db.models.signals import post_delete, post_migrate, post_save

        from campaigns.roles import ensure_roles
        from core.pagecache import invalidate_pages

        from . import personal_data
        from .inbound import handle_inbound
        from .models import Response

        # Campaign admins' permissions on this app's models exist only after its migrate.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="outreach.ensure_roles")
        inbound.connect(handle_inbound, dispatch_uid="outreach.inbound")
        # Replies in a person's data export and erasure; letters to officials kept as records.
        personal_data.register()
        # Campaign pages list reviewed responses ("Officials' responses").
        for signal in (post_save, post_delete):
            signal.connect(invalidate_pages, sender=Response, dispatch_uid="pagecache.response")
