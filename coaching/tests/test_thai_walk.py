"""The Thai walk of the coaching app: every page, for each kind of user (coach, organisation
leader, researcher, program staff), in Thai, shows no English left untranslated; so do the
app's admin pages and its emails rendered in Thai, and the texts its scripts show come from
the translated page. The detector is incubator/tests/thai.py; the walk's data is Thai, so
every English word found comes from the code."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse

from coaching.enums import ActionOwner, MatchStatus
from coaching.models import ResearcherAccess
from coaching.services.alerts import alerts_plan
from coaching.services.matches import match_confirm
from coaching.tests.factories import (
    ActionFactory,
    CoachProfileFactory,
    MatchFactory,
    PlanFactory,
    VisitFactory,
    leader_of,
)
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ProgramFactory
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory
from incubator.tests.thai import admin_pages, english_in_scripts, english_in_text, english_words, walk_in_thai

pytestmark = pytest.mark.django_db

EMAIL_TEMPLATES = Path(settings.BASE_DIR) / "coaching" / "templates" / "emails" / "coaching"
STATIC = Path(settings.BASE_DIR) / "coaching" / "static" / "coaching"


@pytest.fixture
def walk():
    program = ProgramFactory()
    cohort = CohortFactory(program=program, status="running")
    org = OrganisationFactory(name="วิสาหกิจชุมชนบ้านดอย", province="TH-57", region="north", needs=["finance", "team"])
    other_org = OrganisationFactory(name="มูลนิธิทะเลใส", province="TH-82", region="south")
    coach = CoachProfileFactory(user=UserFactory(full_name="สมศักดิ์ โค้ชอาสา"), cohorts=[cohort])
    other_coach = CoachProfileFactory(user=UserFactory(full_name="วรรณา ที่ปรึกษา"), cohorts=[cohort])
    match = MatchFactory(cohort=cohort, coach=coach, organisation=org, reasons=[["needs", ["finance", "team"]]])
    proposed = MatchFactory(
        cohort=cohort, coach=other_coach, organisation=other_org, status=MatchStatus.PROPOSED,
        reasons=[["same_region", ["north"]]],
    )  # fmt: skip
    leader = leader_of(match, UserFactory(full_name="บุญมี ผู้นำชุมชน"))
    leader_of(proposed, UserFactory(full_name="มาลี ผู้นำองค์กร"))
    researcher = UserFactory(full_name="ปกรณ์ นักวิจัย")
    ResearcherAccess.objects.create(user=researcher, cohort=cohort)
    staff = UserFactory(full_name="ศิริพร ผู้ประสานงาน", is_staff=True)
    program.staff.add(staff)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="coaching"))
    visit = VisitFactory(match=match, place="ศาลาหมู่บ้าน", challenges="ขาดเงินทุนหมุนเวียน", next_visit_on=date(2026, 12, 20))
    ActionFactory(match=match, visit=visit)
    ActionFactory(match=match, title="นัดประชุมทีม", owner=ActionOwner.COACH, due_on=date(2026, 12, 1))
    plan = PlanFactory(match=match)
    VisitFactory(
        match=match, status="draft", visited_on=None, draft={"observations": "ร่างบันทึก", "visited_on": "2026-12-01"}
    )
    admin_user = UserFactory(full_name="ผู้ดูแลระบบ", is_staff=True, is_superuser=True)
    return {
        "program": program, "cohort": cohort, "match": match, "proposed": proposed, "coach": coach.user,
        "leader": leader, "researcher": researcher, "staff": staff, "visit": visit, "plan": plan,
        "admin": admin_user,
    }  # fmt: skip


def _pages(w):
    coach, leader, staff, researcher = w["coach"], w["leader"], w["staff"], w["researcher"]
    match, visit, cohort = w["match"], w["visit"], w["cohort"]
    return [
        # The coach: workspace, a pair, the visit form (offline-capable), a visit, profile, ranking.
        (coach, reverse("coaching:workspace")),
        (coach, reverse("coaching:match_detail", args=[match.pk])),
        (coach, reverse("coaching:visit_new", args=[match.pk])),
        (coach, reverse("coaching:visit_detail", args=[visit.pk])),
        (coach, reverse("coaching:my_visits")),
        (coach, reverse("coaching:profile")),
        (coach, reverse("coaching:preferences", args=[cohort.pk])),
        # The organisation leader: the pair, a visit, ranking the coaches.
        (leader, reverse("coaching:workspace")),
        (leader, reverse("coaching:match_detail", args=[match.pk])),
        (leader, reverse("coaching:visit_detail", args=[visit.pk])),
        (leader, reverse("coaching:preferences", args=[cohort.pk])),
        # The researcher and the staff: the visits across cohorts; the staff's matching page.
        (researcher, reverse("coaching:workspace")),
        (researcher, reverse("coaching:visit_list")),
        (researcher, reverse("coaching:visit_list") + "?phase=strategy&province=TH-57"),
        (staff, reverse("coaching:workspace")),
        (staff, reverse("coaching:visit_list")),
        (staff, reverse("coaching:match_detail", args=[match.pk])),
        (staff, reverse("coaching:visit_detail", args=[visit.pk])),
        (staff, reverse("coaching:matching", args=[cohort.pk])),
    ]


def test_coaching_pages_in_thai_show_no_english(client, walk):
    found = walk_in_thai(client, _pages(walk))
    assert found == {}


def _posts(w):
    coach, leader, staff, match, cohort = w["coach"], w["leader"], w["staff"], w["match"], w["cohort"]
    return [
        (coach, reverse("coaching:visit_new", args=[match.pk]),
         {"client_id": "x", "visited_on": "", "wellbeing_score": "11"}),
        (coach, reverse("coaching:visit_new", args=[match.pk]),
         {"client_id": "6f1c9a52-5d43-4c55-9d16-2c8d8f6f2f10", "visited_on": "9999-12-31", "mode": "on_site",
          "phase": "strategy", "observations": "ก" * 3001, "wellbeing_note": "ก\x00",
          "action_title": ["ทำบัญชี", "ก" * 301, "ข\x00"], "action_owner": ["leader"] * 3,
          "action_due": ["2027-13-01", "", ""]}),
        (staff, reverse("coaching:match_end", args=[match.pk]), {"reason": "ก" * 1001}),
        (coach, reverse("coaching:goal_add", args=[match.pk]), {"text": ""}),
        (coach, reverse("coaching:goal_add", args=[match.pk]), {"after_workshop": "1", "text": "ทำแผนการเงิน"}),
        (leader, reverse("coaching:milestone_add", args=[match.pk]), {"title": ""}),
        (leader, reverse("coaching:milestone_add", args=[match.pk]), {"title": "เปิดร้าน", "due_on": "2027-02-01"}),
        (coach, reverse("coaching:profile"), {"capacity": "-1"}),
        (coach, reverse("coaching:preferences", args=[cohort.pk]), {"rank_1": "9"}),
        (leader, reverse("coaching:preferences", args=[cohort.pk]), {}),
        (staff, reverse("coaching:match_end", args=[match.pk]), {"reason": ""}),
        (staff, reverse("coaching:matching", args=[cohort.pk]), {"action": "nothing"}),
        (staff, reverse("coaching:matching", args=[cohort.pk]), {"action": "profiles"}),
        (staff, reverse("coaching:matching", args=[cohort.pk]), {"action": "run"}),
        (staff, reverse("coaching:matching", args=[cohort.pk]), {"action": "confirm_all"}),
        (staff, reverse("coaching:visit_list") + "?visited_from=ไม่ใช่วันที่&phase=ไม่มี", None),
    ]  # fmt: skip


def test_coaching_form_errors_and_messages_in_thai_show_no_english(client, walk):
    found = {}
    for user, url, data in _posts(walk):
        client.logout()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
        response = client.get(url) if data is None else client.post(url, data, follow=True)
        assert response.status_code in (200, 400), (url, data, response.status_code)
        words = english_words(response.content.decode())
        if words:
            found[f"{url} {data}"] = words
    assert found == {}


def test_coaching_emails_in_thai_show_no_english(walk):
    match_confirm(match=walk["proposed"], by=walk["staff"])
    today = date(2026, 11, 29)
    VisitFactory(match=walk["match"], visited_on=today - timedelta(days=60), next_visit_on=today + timedelta(days=1))
    walk["match"].visits.exclude(visited_on=today - timedelta(days=60)).delete()
    ActionFactory(match=walk["match"], due_on=today + timedelta(days=2), owner=ActionOwner.COACH)
    alerts_plan(today=today)

    emails = list(OutboundEmail.objects.filter(template__startswith="coaching/"))
    templates = {path.stem for path in EMAIL_TEMPLATES.glob("*.txt")}
    assert {email.template.removeprefix("coaching/") for email in emails} >= templates
    found = {}
    for email in emails:
        words = english_in_text(email.subject + "\n" + email.body_text) + english_words(email.body_html or "")
        if words:
            found[email.template] = sorted(set(words))
        assert "[" not in email.subject, email.subject
        assert not re.search(r"\b20[2-3]\d\b", email.subject + email.body_text), email.template  # Buddhist Era
    assert found == {}


def test_coaching_admin_in_thai_shows_no_english(client, walk):
    found = walk_in_thai(client, admin_pages("coaching", walk["admin"]))
    found.update(walk_in_thai(client, admin_pages("coaching", walk["staff"])))
    assert found == {}


def test_coaching_scripts_take_their_texts_from_the_translated_page(client, walk):
    scripts = [*STATIC.glob("*.js"), Path(settings.BASE_DIR) / "coaching" / "templates" / "coaching" / "sw.js"]
    assert english_in_scripts(*scripts) == {}
    client.force_login(walk["coach"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    workspace = client.get(reverse("coaching:workspace")).content.decode()
    assert 'data-offline-text="ท่านออฟไลน์อยู่' in workspace
    worker = client.get(reverse("coaching:service_worker")).content.decode()
    assert "Offline" not in worker
    assert "ไม่มีสัญญาณ" in worker  # the page shown for a page not kept
    form = client.get(reverse("coaching:visit_new", args=[walk["match"].pk])).content.decode()
    assert 'data-stuck-text="ยังส่งไม่สำเร็จ:"' in form
