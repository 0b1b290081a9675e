from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class PetitionsConfig(AppConfig):
    name = "petitions"

    def ready(self):
        from campaigns.roles import ensure_roles
        from core.pagecache import invalidate_pages
        from core.signals import demo_loaded
        from mailer.outbox import register_producer

        from . import lookup  # noqa: F401 — connects the lookup cache's invalidation receivers
        from .demo import on_demo_loaded
        from .gdpr import register as register_personal_data
        from .models import Petition, Signature

        # New signatures are their own mail queue: the outbox flush queues their mails.
        register_producer(Signature.objects.queue_due_confirmations)
        # Signatures in a person's data export and erasure, and the IP hash retention.
        register_personal_data()
        demo_loaded.connect(on_demo_loaded, dispatch_uid="petitions.demo")
        # The roles sync first runs after the campaigns app migrates, before this app's
        # permissions exist: run it again once they do.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="petitions.ensure_roles")
        # Campaign pages show the petition's title, text, goal and whether it is open.
        for signal in (post_save, post_delete):
            signal.connect(invalidate_pages, sender=Petition, dispatch_uid="pagecache.petition")
