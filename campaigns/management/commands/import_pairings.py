"""manage.py import_pairings FILE.csv [--dry-run] [--strict]"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import importing


class Command(BaseCommand):
    help = gettext_lazy(
        "Import the pairings status table from a CSV file (UTF-8; ISO or M/D/YYYY dates). "
        "Idempotent on the pair of places: prints created/updated/unchanged counts and each "
        "bad line, and exits non-zero when a line was bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("CSV file in the status table's format"))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext_lazy("check and count everything, then write nothing"),
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help=gettext_lazy("write nothing if any line is bad"),
        )

    def handle(self, *args, file, dry_run, strict, verbosity, **options):
        try:
            text = importing.read_file(file)
        except importing.TableFileError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Importing %s") % file)

        def progress(row, outcome, pairing):
            if verbosity >= 2:
                self.stdout.write(f"  line {row.line}: {outcome} {pairing}")

        report = importing.import_csv(text, dry_run=dry_run, strict=strict, on_row=progress)
        counts = [
            (report.created, _("created")),
            (report.updated, _("updated")),
            (report.unchanged, _("unchanged")),
            (len(report.errors), _("errors")),
        ]
        self.stdout.write(", ".join(f"{count} {label}" for count, label in counts))
        for error in report.errors:
            self.stderr.write(str(error))
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        elif report.rolled_back:
            self.stdout.write(_("Strict: nothing was written because of the bad lines."))
        if report.errors:
            raise CommandError(
                _("%(count)d bad line(s) in %(file)s") % {"count": len(report.errors), "file": file}
            )
