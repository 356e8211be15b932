"""What every staff export shares (django-import-export): safe cells, headers in the reader's
language, files Excel opens with Thai intact, and a file name with the Bangkok date.

- Formula injection: a cell a person typed that starts with `=`, `+`, `-`, `@`, a tab or a
  carriage return is prefixed with `'`, so Excel and LibreOffice show it as text and never run
  it (OWASP "CSV injection"). django-import-export's own setting,
  IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (4.4), only drops a leading `=` (so `+HYPERLINK(...)`
  and `@SUM(...)` still run) and turns every number into text; this escapes more and keeps
  numbers numbers. Headers are escaped too (question columns are text staff typed).
- CSV starts with a UTF-8 byte order mark, which Excel needs to read Thai; XLSX is Unicode.
- `VerboseModelResource`: columns named by the model field's verbose name, translated when
  the export runs (the staff member's language), not the field's attribute name.
"""

from __future__ import annotations

import tablib
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy
from import_export import resources
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

from incubator.dates import bangkok_now

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# What staff export to: spreadsheets. (JSON, YAML and HTML would need escaping of their own.)
EXPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]


def escape_formula(value):
    """`value`, made inert if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of `dataset` with every text cell and header made inert."""
    safe = tablib.Dataset(headers=[escape_formula(str(header)) for header in dataset.headers or []])
    for row in dataset:
        safe.append([escape_formula(cell) for cell in row])
    return safe


def export_filename(*, name: str, file_format) -> str:
    """`<name>-<YYYY-MM-DD>.<ext>`, dated in Bangkok (a file made at 01:00 on the 1st in
    Bangkok is dated the 1st, not the 30th UTC)."""
    return f"{name}-{bangkok_now():%Y-%m-%d}.{file_format.get_extension()}"


RECORD_ID = pgettext_lazy("export column: the row's id in the database", "ID")


class VerboseModelResource(resources.ModelResource):
    """Columns named after the model fields' verbose names (translated at export time)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        model = self._meta.model
        for name, field in self.fields.items():
            if field.column_name != name:
                continue
            try:
                model_field = model._meta.get_field(field.attribute or name)
            except FieldDoesNotExist:
                continue
            # Django names every primary key "ID", untranslated: the export says it in the reader's language.
            field.column_name = capfirst(model_field.verbose_name) if name != "id" else RECORD_ID

    def get_export_headers(self, selected_fields=None):
        return [capfirst(str(header)) for header in super().get_export_headers(selected_fields)]


class ExportFieldsForm(SelectableFieldsExportForm):
    """The export page's field checkboxes, labelled by the column names the file will have
    (in the reader's language), not by attribute names ("Applicant Email (อีเมล)")."""

    def _get_field_label(self, resource, field_name: str) -> str:
        instances = self.__dict__.setdefault("_resource_instances", {})
        if resource not in instances:
            instances[resource] = resource()
        field = instances[resource].fields.get(field_name)
        return capfirst(str(field.column_name)) if field is not None and field.column_name else field_name
