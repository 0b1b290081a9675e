from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self):
        from core.pagecache import invalidate_pages
        from core.signals import demo_loaded, email_confirmed

        from . import personal_data
        from .defaults import ensure_defaults
        from .demo import on_demo_loaded
        from .models import Comment, Commenter
        from .roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="comments.ensure_roles")
        # Also after the test runner flushes the tables, which a data migration would not redo.
        post_migrate.connect(ensure_defaults, sender=self, dispatch_uid="comments.defaults")
        # A confirmed petition signature (or comment email) makes that commenter "known".
        email_confirmed.connect(
            Commenter.confirm_email, dispatch_uid="comments.commenter_confirmed"
        )
        demo_loaded.connect(on_demo_loaded, dispatch_uid="comments.demo")
        # Comments in a person's data export and erasure, and the IP hash retention.
        personal_data.register()
        # Transitions and posting invalidate cached pages themselves; deletions (admin,
        # cascades) send no other signal.
        post_delete.connect(invalidate_pages, sender=Comment, dispatch_uid="pagecache.comment")
