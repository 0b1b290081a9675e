"""Admin import/export of the status table (django-import-export), in the CSV's columns.

Imports go through ``campaigns.importing``, exactly like ``manage.py import_pairings``: same
parsing, same place resolution, idempotent on the pair of places. The admin shows the
preview (a dry run in a rolled-back transaction) and writes only after it is confirmed, and
only when no row is bad.
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources

from core.csvsafe import safe_cell

from . import importing
from .models import Pairing


class TableColumn(fields.Field):
    """A status-table column, read from ``importing.table_row`` (no single model attribute).

    Values keep their type (the number stays a number in XLSX); the preview's diff reads
    them through ``export`` too.
    """

    def __init__(self, column):
        super().__init__(column_name=column)

    def get_value(self, instance):
        return importing.table_row(instance)[self.column_name]

    def export(self, instance, **kwargs):
        return self.get_value(instance)


class PairingResource(resources.ModelResource):
    no = TableColumn("no")
    korean_province = TableColumn("korean_province")
    korean_locality = TableColumn("korean_locality")
    country = TableColumn("country")
    partner_city = TableColumn("partner_city")
    agreement_date = TableColumn("agreement_date")
    relationship = TableColumn("relationship")
    campaign_date = TableColumn("campaign_date")
    response_date = TableColumn("response_date")
    response_note = TableColumn("response_note")

    class Meta:
        model = Pairing
        fields = importing.COLUMNS
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._seen_pairs = {}
        self._row = None

    def import_data(self, dataset, **kwargs):
        """Like the CLI's ``--strict``: one bad row and nothing is written."""
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, **kwargs)

    def before_import(self, dataset, **kwargs):
        """Refuse a file whose header is not exactly the status table's columns."""
        dataset.headers = [importing.normalise_header(name) for name in dataset.headers or []]
        if reasons := importing.header_errors(dataset.headers):
            raise ValueError("; ".join(reasons))

    def before_import_row(self, row, row_number=None, **kwargs):
        try:
            self._row = importing.parse_row(row, row_number)
            importing.note_pair(self._seen_pairs, self._row)
        except importing.RowError as error:
            raise ValidationError(error.reasons) from error

    def get_or_init_instance(self, instance_loader, row):
        """The pairing of the row's two places (created in the import's transaction)."""
        try:
            korean, foreign = importing.resolve_places(self._row)
        except importing.RowError as error:
            raise ValidationError(error.reasons) from error
        pairing = importing.find_pairing(korean, foreign)
        if pairing is not None:
            return pairing, False
        return Pairing(korean_place=korean, foreign_place=foreign), True

    def import_instance(self, instance, row, **kwargs):
        importing.assign(instance, self._row)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged rows are reported as skipped, by the same test as the CLI's."""
        if import_validation_errors or original.pk is None:
            return False
        return importing.tracked_values(instance) == importing.tracked_values(original)

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = importing.CHANGE_REASON

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("korean_place__parent", "foreign_place")

    def export_resource(self, instance, selected_fields=None, **kwargs):
        """One exported row; formula-like text gets a leading ``'`` (``core.csvsafe``), which
        the import drops again, so an export re-imports unchanged."""
        return [
            safe_cell(value) if isinstance(value, str) else value
            for value in super().export_resource(instance, selected_fields, **kwargs)
        ]
