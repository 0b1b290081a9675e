from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class EmbassiesConfig(AppConfig):
    name = "embassies"

    def ready(self):
        from core.pagecache import invalidate_pages
        from core.signals import demo_loaded

        from .models import Mission
        from .seed import on_demo_loaded

        # The embassy picker pages are page-cached like the campaign pages.
        for signal in (post_save, post_delete):
            signal.connect(invalidate_pages, sender=Mission, dispatch_uid="pagecache.mission")
        demo_loaded.connect(on_demo_loaded, dispatch_uid="embassies.demo")
