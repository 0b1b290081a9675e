from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class UpdatesConfig(AppConfig):
    name = "updates"
    verbose_name = "Following and news"

    def ready(self):
        from campaigns.roles import ensure_roles
        from core.pagecache import invalidate_pages

        from . import personal_data
        from .models import NewsPost
        from .subscriptions import register_unsubscribe_kinds

        # The roles sync runs first for the campaigns app, before this app's permissions
        # exist: run it again once they do.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="updates.ensure_roles")
        # Campaign and centre pages list the published posts.
        for signal in (post_save, post_delete):
            signal.connect(invalidate_pages, sender=NewsPost, dispatch_uid="pagecache.newspost")
        register_unsubscribe_kinds()
        # Followed pages in a person's data export and erasure.
        personal_data.register()
