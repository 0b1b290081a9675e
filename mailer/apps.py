from django.apps import AppConfig


class MailerConfig(AppConfig):
    name = "mailer"
    verbose_name = "Outbox"

    def ready(self):
        from anymail.signals import tracking

        from .tracking import handle_tracking

        tracking.connect(handle_tracking, dispatch_uid="mailer.tracking")
