"""manage.py load_demo [--no-staff]"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import demo, importing
from campaigns.models import Campaign, Centre, Pairing, SuggestedMessage
from core.signals import demo_loaded
from officials.models import Contact, Office, OfficeHolder, Place

COUNTED_MODELS = (Centre, Place, Pairing, Office, OfficeHolder, Contact, Campaign, SuggestedMessage)


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the demo data (both centres, the status table, the Bucheon-Bakersfield "
        "campaign) and print a fresh password for the demo staff login. Running it again "
        "creates only what is missing and changes nothing that exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-staff",
            action="store_true",
            help=gettext_lazy("do not create or reset the demo staff login"),
        )

    def handle(self, *args, no_staff, **options):
        before = self.counts()
        self.stdout.write(_("Loading the demo data from %s") % demo.DEMO_FILE.name)
        try:
            report = demo.load(demo.read_data())
        except (demo.DemoDataError, importing.TableFileError) as error:
            raise CommandError(str(error)) from error
        after = self.counts()
        self.stdout.write(
            _("Status table: %(created)d rows created, %(kept)d already there (left as they are)")
            % {"created": report.created, "kept": report.kept}
        )
        for model in COUNTED_MODELS:
            label = capfirst(model._meta.verbose_name_plural)
            self.stdout.write(
                _("%(label)s: %(new)d new, %(total)d in all")
                % {"label": label, "new": after[label] - before[label], "total": after[label]}
            )
        # Other apps' demo data (e.g. the seed comments), without campaigns importing them.
        for _receiver, summary in demo_loaded.send(sender=self.__class__):
            if summary:
                self.stdout.write(str(summary))
        if no_staff:
            return
        user, password = demo.reset_demo_admin()
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo staff login: %(username)s / %(password)s at %(url)s")
                % {
                    "username": user.get_username(),
                    "password": password,
                    "url": settings.SITE_URL + reverse("admin:index"),
                }
            )
        )

    @staticmethod
    def counts():
        return {
            capfirst(model._meta.verbose_name_plural): model.objects.count()
            for model in COUNTED_MODELS
        }
