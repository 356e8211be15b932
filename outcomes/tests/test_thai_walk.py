"""The Thai walk of the outcomes app: every page for the leader, the coach and program staff,
its form errors, its admin pages and the texts its scripts show, in Thai, with no English left
untranslated and dates in the Buddhist Era. The walk's data is Thai, so every English word
found comes from the code."""

import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse

from coaching.enums import VisitPhase
from coaching.tests.factories import CoachProfileFactory, MatchFactory, VisitFactory, leader_of
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ProgramFactory
from incubator.tests.factories import UserFactory
from incubator.tests.thai import admin_pages, english_in_scripts, english_words, walk_in_thai
from outcomes.enums import WorksheetMoment
from outcomes.services.worksheets import worksheet_submit

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "outcomes" / "static" / "outcomes"


@pytest.fixture
def walk():
    program = ProgramFactory(name="โครงการบ่มเพาะกิจการเพื่อสังคม")
    cohort = CohortFactory(program=program, status="running", name="รุ่นที่ 3")
    org = OrganisationFactory(name="วิสาหกิจชุมชนบ้านดอย", province="TH-57", region="north")
    coach = CoachProfileFactory(user=UserFactory(full_name="สมศักดิ์ โค้ชอาสา"), cohorts=[cohort])
    match = MatchFactory(cohort=cohort, coach=coach, organisation=org)
    leader = leader_of(match, UserFactory(full_name="บุญมี ผู้นำชุมชน"))
    staff = UserFactory(full_name="ศิริพร ผู้ประสานงาน", is_staff=True)
    program.staff.add(staff)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="outcomes"))
    VisitFactory(
        match=match, phase=VisitPhase.FINANCE, costs=Decimal("45000"), beneficiaries=150,
        impact_unit_cost=Decimal("300"), wellbeing_score=4, visited_on=date(2026, 11, 20),
    )  # fmt: skip
    for moment, number, day, values in (
        (WorksheetMoment.BASELINE, 0, date(2026, 8, 10), {"vision_written": "0", "idea_stage": "1", "paid_staff": "2"}),
        (WorksheetMoment.AFTER, 1, date(2026, 10, 1), {"vision_written": "1", "idea_stage": "2"}),
    ):
        worksheet_submit(
            cohort=cohort, organisation=org, moment=moment, workshop_number=number, by=leader,
            client_id=uuid.uuid4(), measured_on=day, values=values, note="ทีมเขียนวิสัยทัศน์ร่วมกัน",
        )  # fmt: skip
    admin_user = UserFactory(full_name="ผู้ดูแลระบบ", is_staff=True, is_superuser=True)
    return {"cohort": cohort, "org": org, "coach": coach.user, "leader": leader, "staff": staff, "admin": admin_user}


def _urls(w):
    ids = {"cohort_id": w["cohort"].pk, "organisation_id": w["org"].pk}
    detail = reverse("outcomes:organisation_detail", kwargs=ids)
    sheets = [
        reverse("outcomes:worksheet", kwargs={**ids, "moment": moment, "number": number})
        for moment, number in (("baseline", 0), ("before", 1), ("after", 1), ("after", 2), ("after", 3))
    ]
    return detail, sheets


def test_outcome_pages_in_thai_show_no_english(client, walk):
    detail, sheets = _urls(walk)
    pages = [(who, reverse("outcomes:index")) for who in (walk["leader"], walk["coach"], walk["staff"])]
    pages += [(who, detail) for who in (walk["leader"], walk["coach"], walk["staff"])]
    pages += [(walk["leader"], url) for url in sheets] + [(walk["coach"], sheets[3])]
    pages += [(walk["leader"], reverse("coaching:workspace")), (walk["coach"], reverse("coaching:workspace"))]
    assert walk_in_thai(client, pages) == {}


def test_worksheet_errors_in_thai_show_no_english(client, walk):
    _detail, sheets = _urls(walk)
    client.force_login(walk["leader"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    found = {}
    for data in (
        {"measured_on": "2026-13-40", "ind_grant_income_share": "150", "note": "x" * 1200},
        {"measured_on": "2026-06-01"},
        {"measured_on": "1990-01-01", "ind_reserve_months": "ห้า"},
    ):
        response = client.post(sheets[3], {"client_id": str(uuid.uuid4()), **data})
        assert response.status_code == 400
        words = english_words(response.content.decode())
        if words:
            found[str(data)] = words
    assert found == {}


def test_outcomes_admin_in_thai_shows_no_english(client, walk):
    found = walk_in_thai(client, admin_pages("outcomes", walk["admin"]))
    found.update(walk_in_thai(client, admin_pages("outcomes", walk["staff"])))
    assert found == {}


def test_outcome_scripts_take_their_texts_from_the_translated_page(client, walk):
    scripts = [*STATIC.glob("*.js"), Path(settings.BASE_DIR) / "outcomes" / "templates" / "outcomes" / "sw.js"]
    assert english_in_scripts(*scripts) == {}
    client.force_login(walk["leader"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    _detail, sheets = _urls(walk)
    page = client.get(sheets[0]).content.decode()
    assert 'data-waiting-text="แบบบันทึกผลที่รอส่ง' in page
    worker = client.get(reverse("outcomes:service_worker")).content.decode()
    assert "offline" not in worker.split("new Response(")[1].lower()
