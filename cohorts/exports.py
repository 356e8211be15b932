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
  the export runs (the staff member's language), not the field's attribute name; a field with
  choices is written in words (ลงพื้นที่, not `on_site`; ขอนแก่น, not `TH-40`).
- `export_response(dataset, name=...)`: the one way a staff page (not the admin) hands out a
  spreadsheet, through the same escaping, BOM and file name as the admin's exports;
  `export_stream_response(resource, queryset, name=...)` the same as a CSV written row by row
  while the rows are read (the visit export: tens of thousands of rows in constant memory).
  Nothing else writes a CSV with `csv.writer`.
"""

from __future__ import annotations

import csv

import tablib
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy
from import_export import resources
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

from incubator.dates import bangkok_now
from incubator.geo import PROVINCE_MODEL_CHOICES, province_name

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


def export_response(dataset: tablib.Dataset, *, name: str, file_format=base_formats.CSV) -> HttpResponse:
    """`dataset` as a download: every cell escaped, CSV with a BOM, named `<name>-<date>`."""
    file_format = file_format()
    content = file_format.export_data(escape_dataset(dataset))
    content_type = file_format.get_content_type()
    if not file_format.is_binary():
        content = (BOM + content).encode("utf-8")
        content_type = f"{content_type}; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(name=name, file_format=file_format)}"'
    return response


class _Echo:
    """A file for `csv.writer` that hands each written line back (for streaming)."""

    def write(self, value: str) -> str:
        return value


def export_stream_response(resource, queryset, *, name: str) -> StreamingHttpResponse:
    """`queryset` through `resource` as a CSV streamed while the rows are read: every cell
    escaped, a BOM first, named `<name>-<date>.csv`."""
    writer = csv.writer(_Echo())
    if hasattr(resource, "prepare_export"):
        resource.prepare_export()
    headers = [escape_formula(str(header)) for header in resource.get_export_headers()]

    def lines():
        yield BOM + writer.writerow(headers)
        for row in resource.iter_queryset(queryset):
            yield writer.writerow([escape_formula(cell) for cell in resource.export_resource(row)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename(name=name, file_format=base_formats.CSV())}"'
    )
    return response


def choice_words(model_field, value) -> str:
    """A stored choice as people read it: the label, a province by its name in the reader's
    language; an unknown code as it is."""
    if value in (None, ""):
        return ""
    if model_field.choices == PROVINCE_MODEL_CHOICES:
        return province_name(value)
    return str(dict(model_field.flatchoices).get(value, value))


class VerboseModelResource(resources.ModelResource):
    """Columns named after the model fields' verbose names (translated at export time), and
    fields with choices written in words."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        model = self._meta.model
        self._choice_fields = {}
        for name, field in self.fields.items():
            try:
                model_field = model._meta.get_field(field.attribute or name)
            except FieldDoesNotExist:
                continue
            if model_field.choices and not hasattr(self, f"dehydrate_{name}"):
                self._choice_fields[name] = model_field
            if field.column_name != name:
                continue
            # Django names every primary key "ID", untranslated: the export says it in the reader's language.
            field.column_name = capfirst(model_field.verbose_name) if name != "id" else RECORD_ID

    def prepare_export(self) -> None:
        """The words of each choice, in the reader's language, looked up once per export."""
        self._words = {
            name: {value: choice_words(model_field, value) for value, _label in model_field.flatchoices}
            for name, model_field in self._choice_fields.items()
        }

    def export(self, queryset=None, **kwargs):
        self.prepare_export()
        return super().export(queryset, **kwargs)

    def export_field(self, field, instance, **kwargs):
        name = self.get_field_name(field)
        model_field = self._choice_fields.get(name)
        if model_field is not None:
            value = getattr(instance, model_field.attname)
            words = getattr(self, "_words", {}).get(name, {})
            return words[value] if value in words else choice_words(model_field, value)
        return super().export_field(field, instance, **kwargs)

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


def workbook_bytes(sheets) -> bytes:
    """An XLSX workbook of several tables, one sheet each: `sheets` is an iterable of
    `(title, headers, rows)`. Text cells are escaped as in every export (numbers stay numbers a
    spreadsheet can sum), headers bold, columns as wide as their content (at most 60)."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=str(title)[:31])
        sheet.append([escape_formula(str(header)) for header in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(
                [value if isinstance(value, int | float) and not isinstance(value, bool) else escape_formula(str(value))
                 for value in row]
            )  # fmt: skip
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
