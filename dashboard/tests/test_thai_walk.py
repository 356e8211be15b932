"""The Thai walk of the dashboard: every page, for each kind of user, in Thai, shows no English
left untranslated (nor a Common Era year); so do its admin pages, the report in each form and
the texts its scripts show. The detector is incubator/tests/thai.py."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from dashboard.services import consent_give
from incubator.tests.factories import SuperuserFactory
from incubator.tests.thai import admin_pages, english_in_scripts, english_words, get_in_thai, walk_in_thai
from outcomes.tests.factories import indicator

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "dashboard" / "static" / "dashboard"


def _pages(world):
    pk = world.cohort.pk
    world.outcome_indicator = indicator(world.program, "beneficiaries")
    return [
        (world.staff, reverse("dashboard:index")),
        (world.staff, reverse("dashboard:cohort", args=[pk])),
        (world.staff, reverse("dashboard:program", args=[world.program.pk])),
        (world.staff, reverse("dashboard:outcome_changes", args=[pk, world.outcome_indicator.pk])),
        (world.staff, reverse("dashboard:report", args=[pk])),
        (world.staff, reverse("dashboard:narrative", args=[pk])),
        (world.leaders[0], reverse("dashboard:consent_list")),
        (world.coaches[0].user, reverse("dashboard:consent_list")),
        (world.researcher, reverse("dashboard:research_export")),
        (None, reverse("dashboard:showcase", args=[world.cohort.slug])),
        (None, reverse("dashboard:showcase", args=[world.other_cohort.slug])),
    ]


def test_dashboard_pages_in_thai_show_no_english(client, world):
    consent_give(entry=world.entries[0], subject="organisation", by=world.leaders[0])
    consent_give(entry=world.entries[0], subject="coach", by=world.coaches[0].user)
    assert walk_in_thai(client, _pages(world)) == {}


def test_dashboard_admin_pages_in_thai_show_no_english(client, world):
    consent_give(entry=world.entries[0], subject="organisation", by=world.leaders[0])
    admin = SuperuserFactory(full_name="ผู้ดูแลระบบ")
    found = walk_in_thai(client, admin_pages("dashboard", admin))
    found.update(walk_in_thai(client, admin_pages("dashboard", world.staff)))
    assert found == {}


def test_dashboard_form_errors_and_messages_in_thai_show_no_english(client, world):
    found = {}
    posts = [
        (world.staff, reverse("dashboard:narrative", args=[world.cohort.pk]), {"selection": "ก" * 3001}),
        (world.staff, reverse("dashboard:narrative", args=[world.cohort.pk]), {"selection": "ข้อความ"}),
        (world.leaders[0], reverse("dashboard:consent_change", args=[world.entries[0].pk]),
         {"subject": "organisation", "action": "give"}),
        (world.leaders[0], reverse("dashboard:consent_change", args=[world.entries[0].pk]),
         {"subject": "organisation", "action": "withdraw"}),
        (world.researcher, reverse("dashboard:research_export"), {"cohorts": [world.other_cohort.pk]}),
    ]  # fmt: skip
    for user, url, data in posts:
        client.logout()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
        response = client.post(url, data, follow=True)
        words = english_words(response.content.decode())
        if words:
            found[f"{url} {sorted(data.items())}"] = words
    assert found == {}


def test_report_xlsx_headers_in_thai(client, world):
    import io

    from openpyxl import load_workbook

    response = get_in_thai(client, world.staff, reverse("dashboard:report_xlsx", args=[world.cohort.pk]))
    book = load_workbook(io.BytesIO(response.content))
    headers = " ".join(list(book.sheetnames) + [str(c.value) for ws in book.worksheets for c in ws[1] if c.value])
    assert list(english_words(f"<p>{headers}</p>")) == []


def test_dashboard_scripts_show_no_english():
    assert english_in_scripts(STATIC / "charts.js") == {}
