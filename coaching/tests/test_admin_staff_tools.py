"""Staff tools in the admin (issue 12, item 17): program staff add a participant to their own
cohort and choose people by name and email, the outbox page reads in Thai with Buddhist Era
dates, a matching run is named in Bangkok time, and staff reach a pair's page and end pairs
from the admin and the matching page."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from coaching.enums import MatchStatus
from coaching.models import Match, MatchingRun
from cohorts.models import Participant
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, ProgramFactory
from incubator.models import OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db


def program_staff_of(program):
    user = UserFactory(full_name="กิตติ ทีมโครงการ")
    staff_grant_program_role(user=user, program=program)
    return user


# Participants and the person chooser -------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("plain", 302), ("program_staff", 200)])
def test_participant_add_page_permission_matrix(client, world, who, status):
    users = {"plain": UserFactory(), "program_staff": program_staff_of(world.program)}
    if who != "anonymous":
        client.force_login(users[who])

    assert client.get(reverse("admin:cohorts_participant_add")).status_code == status


def test_program_staff_add_a_participant_to_their_own_cohort_only(client, world):
    person = UserFactory(full_name="สมชาย ผู้เข้าร่วมใหม่", email="somchai@example.org")
    foreign_cohort = CohortFactory(program=ProgramFactory())
    client.force_login(program_staff_of(world.program))
    url = reverse("admin:cohorts_participant_add")
    base = {
        "user": person.pk,
        "role": "organisation_leader",
        "is_active": "on",
        "joined_at_0": "2026-12-01",
        "joined_at_1": "09:00",
    }

    refused = client.post(url, {**base, "cohort": foreign_cohort.pk})
    added = client.post(url, {**base, "cohort": world.cohort.pk})

    assert refused.status_code == 200
    assert "cohort" in refused.context["adminform"].form.errors
    assert added.status_code == 302
    assert Participant.objects.filter(user=person, cohort=world.cohort).exists()
    assert not Participant.objects.filter(user=person, cohort=foreign_cohort).exists()


def _person_search(client, term):
    return client.get(
        reverse("admin:autocomplete"),
        {"term": term, "app_label": "cohorts", "model_name": "participant", "field_name": "user"},
    )


def test_person_chooser_shows_names_with_emails(client, world):
    UserFactory(full_name="สมหญิง ใจดี", email="somying1@example.org")
    UserFactory(full_name="สมหญิง ใจดี", email="somying2@example.org")
    client.force_login(program_staff_of(world.program))

    response = _person_search(client, "สมหญิง")

    assert response.status_code == 200
    texts = sorted(result["text"] for result in json.loads(response.content)["results"])
    assert texts == ["สมหญิง ใจดี (somying1@example.org)", "สมหญิง ใจดี (somying2@example.org)"]


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("plain", 302), ("program_staff", 200)])
def test_person_chooser_permission_matrix(client, world, who, status):
    users = {"plain": UserFactory(), "program_staff": program_staff_of(world.program)}
    if who != "anonymous":
        client.force_login(users[who])

    response = _person_search(client, "coach@example.org")

    assert response.status_code == status
    if status != 200:
        assert b"coach@example.org" not in response.content


def test_program_staff_search_people_but_do_not_browse_them(client, world):
    client.force_login(program_staff_of(world.program))

    short = json.loads(_person_search(client, "").content)["results"]
    people_list = client.get(reverse("admin:incubator_user_changelist"))
    someone = client.get(reverse("admin:incubator_user_change", args=[world.coach.pk]))

    assert short == []
    assert people_list.status_code == 403
    assert someone.status_code in (302, 403)


def test_selected_person_is_named_with_email_on_the_form(client, world):
    participant = Participant.objects.filter(cohort=world.cohort).first()
    client.force_login(program_staff_of(world.program))
    page = client.get(reverse("admin:coaching_researcheraccess_add"))
    field = page.context["adminform"].form.fields["user"]

    assert field.label_from_instance(participant.user) == f"{participant.user.full_name} ({participant.user.email})"


# The outbox page and the matching run name -------------------------------------------------


def test_outbox_page_reads_in_thai_with_buddhist_era_dates(client, world):
    email = OutboundEmail.objects.create(
        key="k1",
        to="leader@example.org",
        subject="เรื่อง",
        body_text="x",
        created_at=datetime(2026, 12, 7, 3, 0, tzinfo=UTC),
        content_type=ContentType.objects.get_for_model(Match),
        object_id=str(world.match.pk),
    )
    client.force_login(SuperuserFactory())

    body = client.get(reverse("admin:incubator_outboundemail_change", args=[email.pk])).content.decode()

    content = re.sub(r"<[^>]+>", " ", body.split('id="content"')[1])
    assert "7 ธันวาคม 2569" in content
    assert "2026" not in content
    assert "Content type" not in body
    assert "Object id" not in body
    assert f"คู่ที่จับ #{world.match.pk}" in content or f"#{world.match.pk}" in content


@pytest.mark.parametrize(("language", "text"), [("th", "7 ธันวาคม 2569, 10:00"), ("en", "7 December 2026, 10:00")])
def test_matching_run_is_named_in_bangkok_time_and_the_readers_calendar(world, language, text):
    run = MatchingRun.objects.create(cohort=world.cohort, created_at=datetime(2026, 12, 7, 3, 0, tzinfo=UTC))

    with translation.override(language):
        assert str(run).endswith(text)


# A pair's page and ending pairs --------------------------------------------------------------


def test_admin_links_each_pair_to_its_page(client, world):
    client.force_login(program_staff_of(world.program))
    pair_url = reverse("coaching:match_detail", args=[world.match.pk])

    listing = client.get(reverse("admin:coaching_match_changelist")).content.decode()
    change = client.get(reverse("admin:coaching_match_change", args=[world.match.pk])).content.decode()

    assert f'href="{pair_url}"' in listing
    assert f'href="{pair_url}"' in change
    assert client.get(pair_url).status_code == 200


def test_matching_page_links_confirmed_pairs_to_their_page(client, world):
    client.force_login(program_staff_of(world.program))

    body = client.get(reverse("coaching:matching", args=[world.cohort.pk])).content.decode()

    assert f'href="{reverse("coaching:match_detail", args=[world.match.pk])}"' in body


def _end(client, matches, **extra):
    return client.post(
        reverse("admin:coaching_match_changelist"),
        {"action": "end_matches", "_selected_action": [m.pk for m in matches], **extra},
    )


def test_admin_ends_pairs_with_a_reason(client, world):
    client.force_login(program_staff_of(world.program))

    asked = _end(client, [world.match])
    empty = _end(client, [world.match], apply="yes", reason="  ")
    done = _end(client, [world.match], apply="yes", reason="องค์กรขอพักโครงการ")

    assert asked.status_code == 200
    assert "reason" in asked.context["form"].fields
    assert empty.status_code == 200
    assert done.status_code == 302
    world.match.refresh_from_db()
    assert (world.match.status, world.match.ended_reason) == (MatchStatus.ENDED, "องค์กรขอพักโครงการ")
    assert world.match.history.first().history_change_reason == "องค์กรขอพักโครงการ"


def test_admin_end_ignores_pairs_of_other_programs(client, world):
    client.force_login(program_staff_of(ProgramFactory()))

    _end(client, [world.match], apply="yes", reason="x")

    world.match.refresh_from_db()
    assert world.match.status == MatchStatus.CONFIRMED


# The Thai walk of these pages ----------------------------------------------------------------


def test_staff_tools_in_thai_show_no_english(client, world):
    from incubator.tests.thai import english_words, gregorian_years, walk_in_thai

    staff = program_staff_of(world.program)
    for user, name in ((world.coach, "สมศักดิ์ โค้ชอาสา"), (world.other_coach, "วรรณา ที่ปรึกษา")):
        user.full_name = name
        user.save(update_fields=["full_name"])
    MatchingRun.objects.create(cohort=world.cohort, created_at=datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    email = OutboundEmail.objects.create(
        key="1",
        to="leader@example.org",
        subject="ยืนยันคู่โค้ช",
        body_text="สวัสดี",
        content_type=ContentType.objects.get_for_model(Match),
        object_id=str(world.match.pk),
    )
    pages = [
        (staff, reverse("admin:cohorts_participant_add")),
        (staff, reverse("admin:coaching_match_changelist")),
        (staff, reverse("admin:coaching_match_change", args=[world.match.pk])),
        (staff, reverse("admin:coaching_matchingrun_changelist")),
        (SuperuserFactory(full_name="ผู้ดูแลระบบ"), reverse("admin:incubator_outboundemail_change", args=[email.pk])),
    ]

    found = {
        # "เนื้อหา (HTML)" names the format; "#<id>" is the pair's number, not a year
        url: [word for word in words if word not in ("HTML", str(world.match.pk))]
        for url, words in walk_in_thai(client, pages).items()
    }
    client.force_login(staff)
    asked = _end(client, [world.match]).content.decode()

    assert {url: words for url, words in found.items() if words} == {}
    assert english_words(asked) + gregorian_years(asked) == []


def test_every_admin_column_and_field_of_a_model_field_has_a_translated_name():
    """A model field without a verbose name shows its attribute name ("Content type",
    "Application") in English on a Thai admin page; each admin shows such fields through a
    column of its own with a translated name."""
    from django.contrib import admin as django_admin
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.functional import Promise

    untranslated = []
    for model, model_admin in django_admin.site._registry.items():
        if model._meta.app_label not in ("incubator", "cohorts", "coaching", "workshops"):
            continue
        names = [*model_admin.list_display, *(model_admin.fields or []), *model_admin.readonly_fields]
        names += list(getattr(model_admin, "raw_id_fields", []))
        for name in names:
            if not isinstance(name, str):
                continue
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if getattr(field, "concrete", False) and not isinstance(field.verbose_name, Promise):
                untranslated.append(f"{model.__name__}.{name}")

    assert untranslated == []
