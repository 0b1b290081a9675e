from django.apps import AppConfig


class MailerConfig(AppConfig):
    name = "mailer"
    verbose_name = "Outbox"

    def ready(self):
        from anymail.signals import tracking

        from . import personal_data
        from .tracking import handle_tracking

        tracking.connect(handle_tracking, dispatch_uid="mailer.tracking")
        # Mail in a person's data export and erasure, and the retention of sent mail.
        personal_data.register()
