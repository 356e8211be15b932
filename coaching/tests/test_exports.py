"""Visit exports (issue 12, items 11 and 16): the staff and researcher export and the admin's
go through the one export path: formulas escaped, a BOM, headers in the reader's language,
choices and provinces in words."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from import_export.formats.base_formats import CSV

from coaching.enums import VisitMode, VisitPhase
from coaching.exports import VisitResource

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)"]


def _rows(response):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def _export_admin(client):
    csv_index = next(i for i, f in enumerate(django_admin_formats()) if f is CSV)
    fields = {f"visitresource_{name}": "on" for name in VisitResource().get_export_order()}
    return client.post(reverse("admin:coaching_visit_export"), {"format": str(csv_index), "resource": "0", **fields})


def django_admin_formats():
    from django.contrib import admin

    from coaching.models import Visit

    return admin.site.get_model_admin(Visit).get_export_formats()


@pytest.fixture
def typed(world):
    visit = world.visit
    visit.observations, visit.challenges, visit.place, visit.wellbeing_note = FORMULAS
    visit.mode, visit.phase, visit.province = VisitMode.ON_SITE, VisitPhase.FINANCE, "TH-40"
    visit.save()
    return visit


@pytest.mark.parametrize("who", ["staff", "researcher"])
def test_visit_export_escapes_formulas_in_every_typed_cell(client, world, typed, who):
    client.force_login(getattr(world, who))

    rows = _rows(client.get(reverse("coaching:visit_export")))

    cells = {cell for row in rows[1:] for cell in row}
    assert {f"'{formula}" for formula in FORMULAS} <= cells
    assert not cells & set(FORMULAS)


@pytest.mark.parametrize(
    ("language", "header", "words"),
    [
        ("th", "วันที่เยี่ยม", ["ลงพื้นที่", "ขอนแก่น"]),
        ("en", "Date of the visit", ["On site", "Khon Kaen", "Finance and impact unit cost (after workshop 2)"]),
    ],
)
def test_visit_export_speaks_the_readers_language_in_words(client, world, typed, language, header, words):
    client.force_login(world.staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    rows = _rows(client.get(reverse("coaching:visit_export")))

    assert header in rows[0]
    assert "visited_on" not in rows[0]
    row = rows[1]
    assert set(words) <= set(row)
    assert not {"on_site", "TH-40", "finance"} & set(row)


def test_visit_export_file_is_named_with_the_bangkok_date(client, world):
    client.force_login(world.staff)

    response = client.get(reverse("coaching:visit_export"))

    assert response["Content-Disposition"].startswith('attachment; filename="visits-')
    assert response.streaming  # written while the rows are read, not held in memory


def test_admin_visit_export_is_the_same_resource_in_words(client, world, typed):
    client.force_login(world.staff)

    response = _export_admin(client)
    rows = _rows(response)

    assert "วันที่เยี่ยม" in rows[0]
    assert {"ลงพื้นที่", "ขอนแก่น", f"'{FORMULAS[0]}"} <= set(rows[1])


def test_visit_export_query_count_is_flat(client, world, django_assert_num_queries):
    from coaching.tests.factories import MatchFactory, VisitFactory

    client.force_login(world.researcher)
    counts = []
    for extra in (0, 10):
        for _ in range(extra):
            VisitFactory(match=MatchFactory(cohort=world.cohort))
        with django_assert_num_queries(5) as captured:  # with the access log entry of the export
            b"".join(client.get(reverse("coaching:visit_export")).streaming_content)
        counts.append(len(captured))

    assert counts[0] == counts[1]


def test_no_module_writes_a_spreadsheet_around_the_export_path():
    """Every CSV or XLSX leaves through cohorts/exports.py (escaping, BOM, file name)."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if relative == "cohorts/exports.py" or relative.startswith((".venv/", "benchmarks/")):
            continue
        if "/tests/" in relative or "/migrations/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        if "csv.writer" in text or "import csv" in text or "openpyxl" in text or "xlsxwriter" in text:
            offenders.append(relative)

    assert offenders == []


def test_choice_words_in_english_for_an_unknown_code():
    from coaching.models import Visit
    from cohorts.exports import choice_words

    with translation.override("en"):
        assert choice_words(Visit._meta.get_field("province"), "TH-40") == "Khon Kaen"
        assert choice_words(Visit._meta.get_field("province"), "XX") == "XX"
        assert choice_words(Visit._meta.get_field("mode"), "") == ""
