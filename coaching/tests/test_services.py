"""Services and selectors on the real database."""

import io
import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from coaching.enums import ActionOwner, ConflictKind, MatchStatus, PairRuleKind, VisitStatus
from coaching.explain import reasons_text
from coaching.models import ActionItem, ConflictOfInterest, FollowUpAlert, Match, PairRule, Visit, VisitPhoto
from coaching.photos import MAX_BYTES, clean_photo
from coaching.services.alerts import alerts_plan
from coaching.services.matches import match_change, match_confirm, match_end, matching_run, unassigned_message
from coaching.services.profiles import coach_profile_from_application
from coaching.services.visits import NewAction, PhotoUpload, VisitInput, visit_draft_save, visit_submit
from coaching.tests.factories import ActionFactory, jpeg_bytes, leader_of, photo_upload
from cohorts.enums import ApplicationStatus, TrackKind
from cohorts.tests.factories import ApplicationFactory, OrganisationFactory, TrackFactory
from incubator.models import OutboundEmail

pytestmark = pytest.mark.django_db


def _input(**fields):
    return VisitInput(fields={"visited_on": date(2026, 11, 28), "mode": "on_site", "phase": "strategy", **fields})


def test_visit_submit_retried_with_the_same_client_id_makes_one_visit(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client_id = uuid.uuid4()
    photo_id = uuid.uuid4()
    data = _input(observations="ครั้งเดียว")
    data.actions = [NewAction(title="ส่งแผน", owner=ActionOwner.LEADER)]
    data.photos = [PhotoUpload(client_id=photo_id, file=photo_upload())]

    first, created = visit_submit(match=world.match, by=world.coach, client_id=client_id, data=data)
    data.photos = [PhotoUpload(client_id=photo_id, file=photo_upload())]
    again, created_again = visit_submit(match=world.match, by=world.coach, client_id=client_id, data=data)

    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert Visit.objects.filter(client_id=client_id).count() == 1
    assert ActionItem.objects.filter(visit=first).count() == 1
    assert VisitPhoto.objects.filter(visit=first).count() == 1


def test_visit_submit_over_http_twice_makes_one_visit(client, world):
    client.force_login(world.coach)
    url = reverse("coaching:visit_new", kwargs={"pk": world.match.pk})
    body = {"client_id": str(uuid.uuid4()), "visited_on": "2026-11-28", "mode": "phone", "phase": "team",
            "observations": "ส่งซ้ำ"}  # fmt: skip

    first = client.post(url, body, HTTP_ACCEPT="application/json")
    second = client.post(url, body, HTTP_ACCEPT="application/json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Visit.objects.filter(observations="ส่งซ้ำ").count() == 1


def test_visit_submit_without_a_date_is_refused_with_a_message(client, world):
    client.force_login(world.coach)
    before = Visit.objects.count()

    response = client.post(
        reverse("coaching:visit_new", kwargs={"pk": world.match.pk}),
        {"client_id": str(uuid.uuid4()), "mode": "on_site", "phase": "strategy", "observations": "ไม่มีวันที่"},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    assert "visited_on" in response.json()["errors"]
    assert Visit.objects.count() == before


def test_visit_draft_is_kept_then_submitted_under_the_same_client_id(world):
    client_id = uuid.uuid4()
    visit_draft_save(match=world.match, by=world.coach, client_id=client_id, draft={"observations": "ครึ่ง"})

    visit, created = visit_submit(match=world.match, by=world.coach, client_id=client_id, data=_input())

    assert created is True
    assert (visit.status, visit.draft) == (VisitStatus.SUBMITTED, {})
    assert Visit.objects.filter(client_id=client_id).count() == 1


def test_visit_submit_updates_earlier_open_actions(world):
    visit_submit(
        match=world.match, by=world.coach, client_id=uuid.uuid4(),
        data=VisitInput(fields=_input().fields, action_updates={world.action.pk: "done"}),
    )  # fmt: skip

    world.action.refresh_from_db()
    assert world.action.status == "done"


def test_finance_visit_computes_impact_unit_cost(world):
    visit, _ = visit_submit(
        match=world.match, by=world.coach, client_id=uuid.uuid4(),
        data=_input(phase="finance", costs=9000, beneficiaries=30),
    )  # fmt: skip

    assert str(visit.impact_unit_cost) == "300.00"


def test_photo_with_gps_comes_out_without_it():
    upload = SimpleUploadedFile("gps.jpg", jpeg_bytes(size=(3000, 2000), gps=True), content_type="image/jpeg")
    assert Image.open(io.BytesIO(jpeg_bytes(gps=True))).getexif().get(0x8825)  # it had a position

    clean = clean_photo(upload)

    image = Image.open(io.BytesIO(clean.read()))
    assert image.getexif() == {} or 0x8825 not in image.getexif()
    assert "exif" not in image.info
    assert max(image.size) == 1600


def test_oversize_photo_is_refused_with_a_message():
    upload = SimpleUploadedFile("big.jpg", b"0" * (MAX_BYTES + 1), content_type="image/jpeg")

    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            clean_photo(upload)
        message = error.value.messages[0]  # the shared validator's message is lazy: read it in English

    assert "too large" in message


def test_non_image_upload_is_refused_with_a_message(client, world):
    client.force_login(world.coach)
    before = Visit.objects.count()

    response = client.post(
        reverse("coaching:visit_new", kwargs={"pk": world.match.pk}),
        {"client_id": str(uuid.uuid4()), "visited_on": "2026-11-28", "mode": "on_site", "phase": "strategy",
         "photo": SimpleUploadedFile("notes.pdf", b"%PDF-1.4 not an image", content_type="application/pdf"),
         "photo_client_id": str(uuid.uuid4())},
        HTTP_ACCEPT="application/json",
    )  # fmt: skip

    assert response.status_code == 400
    assert "JPG, PNG, WebP" in " ".join(response.json()["messages"])
    assert Visit.objects.count() == before


# Matching ---------------------------------------------------------------------------------


@pytest.fixture
def cohort_pool(world):
    """Two more organisations and a third coach in the world's cohort, no live matches."""
    Visit.objects.filter(match__cohort=world.cohort).delete()
    Match.objects.filter(cohort=world.cohort).delete()
    return world


def test_matching_run_respects_conflicts_and_fixed_pairs(cohort_pool):
    world = cohort_pool
    coach, other = world.match.coach, world.other_match.coach
    ConflictOfInterest.objects.create(coach=coach, organisation=world.match.organisation, kind=ConflictKind.FUNDER)
    PairRule.objects.create(
        cohort=world.cohort, coach=coach, organisation=world.other_match.organisation, kind=PairRuleKind.FIXED
    )

    run = matching_run(cohort=world.cohort, by=world.staff)

    pairs = set(Match.objects.filter(run=run).values_list("coach_id", "organisation_id"))
    assert pairs == {(coach.pk, world.other_match.organisation_id), (other.pk, world.match.organisation_id)}


def test_matching_run_names_organisations_left_without_a_coach(cohort_pool):
    world = cohort_pool
    for profile in (world.match.coach, world.other_match.coach):
        profile.capacity = 0
        profile.save()
    extra = world.match.coach
    extra.capacity = 1
    extra.save()

    run = matching_run(cohort=world.cohort, by=world.staff)

    with translation.override("en"):
        message = unassigned_message(run)
    assert len(run.unassigned_organisations) == 1
    left = [world.match.organisation.name, world.other_match.organisation.name]
    assert any(name in message for name in left)
    assert "left without a coach" in message


def test_match_change_refuses_a_conflicting_coach(cohort_pool):
    world = cohort_pool
    ConflictOfInterest.objects.create(
        coach=world.other_match.coach, organisation=world.match.organisation, kind=ConflictKind.RELATION
    )

    with pytest.raises(ValidationError):
        match_change(
            cohort=world.cohort, organisation=world.match.organisation, coach=world.other_match.coach, by=world.staff
        )


def test_match_change_refuses_the_coachs_own_employer(cohort_pool):
    world = cohort_pool
    profile = world.other_match.coach
    profile.employer = world.match.organisation.name
    profile.save()

    with pytest.raises(ValidationError):
        match_change(cohort=world.cohort, organisation=world.match.organisation, coach=profile, by=world.staff)


def test_match_confirm_emails_both_sides_once(world):
    match = Match.objects.create(
        cohort=world.cohort, coach=world.match.coach, organisation=OrganisationFactory(), status=MatchStatus.PROPOSED
    )
    leader = leader_of(match)

    match_confirm(match=match, by=world.staff)

    emails = OutboundEmail.objects.filter(template__startswith="coaching/match_confirmed")
    assert sorted(emails.values_list("to", flat=True)) == sorted([world.coach.email, leader.email])
    assert match.history.count() == 2
    with pytest.raises(ValidationError):
        match_confirm(match=match, by=world.staff)


def test_match_end_needs_a_reason_and_keeps_it_in_history(world):
    with pytest.raises(ValidationError):
        match_end(match=world.match, by=world.staff, reason=" ")

    match_end(match=world.match, by=world.staff, reason="ผู้นำย้ายงาน")

    world.match.refresh_from_db()
    assert (world.match.status, world.match.ended_reason) == (MatchStatus.ENDED, "ผู้นำย้ายงาน")
    assert world.match.history.first().history_change_reason == "ผู้นำย้ายงาน"


def test_reasons_text_in_words():
    with translation.override("en"):
        text = reasons_text([["needs", ["finance", "team"]], ["same_region", ["north"]]])

    assert text == "covers finance and impact unit cost and team and leadership needs; both in the Northern region"


def test_coach_profile_filled_from_the_accepted_application(world):
    track = TrackFactory(cohort=world.cohort, kind=TrackKind.INTRAPRENEUR)
    application = ApplicationFactory(
        cohort=world.cohort, track=track, status=ApplicationStatus.ACCEPTED, employer="บริษัทพลังงาน",
        skills="finance, team building", sectors=["health"], travel_provinces=["TH-40"], languages=["th", "tts"],
    )  # fmt: skip

    profile = coach_profile_from_application(application=application)

    assert (profile.employer, profile.skills, profile.home_province) == ("บริษัทพลังงาน", ["finance", "team"], "TH-40")
    assert world.cohort in profile.cohorts.all()


# Alerts -----------------------------------------------------------------------------------


def test_alerts_each_event_once(world):
    today = date(2026, 11, 29)
    Visit.objects.filter(pk=world.visit.pk).update(
        visited_on=today - timedelta(days=40), next_visit_on=today + timedelta(days=1)
    )
    world.action.due_on = today - timedelta(days=1)
    world.action.save()
    ActionFactory(match=world.match, due_on=today + timedelta(days=2), owner=ActionOwner.COACH)

    first = alerts_plan(today=today)
    second = alerts_plan(today=today)

    kinds = sorted(FollowUpAlert.objects.filter(match=world.match).values_list("kind", flat=True))
    assert kinds == ["action_due", "action_overdue", "no_visit", "visit_planned"]
    assert second == 0
    assert first == OutboundEmail.objects.filter(template__startswith="coaching/").count()
    no_visit_to = set(OutboundEmail.objects.filter(template="coaching/no_visit").values_list("to", flat=True))
    assert {world.coach.email, world.staff.email} <= no_visit_to
    overdue = OutboundEmail.objects.get(key__startswith=f"coaching-alert:action_overdue:{world.action.pk}")
    assert overdue.to == world.leader.email


def test_new_visit_rearms_the_no_visit_alert(world):
    today = date(2026, 11, 29)
    Visit.objects.filter(pk=world.visit.pk).update(visited_on=today - timedelta(days=40))
    alerts_plan(today=today)
    Visit.objects.filter(pk=world.visit.pk).update(visited_on=today - timedelta(days=2))

    assert alerts_plan(today=today) == 0
    assert alerts_plan(today=today + timedelta(days=40)) > 0


def test_coach_profile_skill_vocabulary_is_the_needs_vocabulary():
    from coaching.enums import Skill
    from cohorts.enums import Need

    assert Skill is Need


def test_other_coach_cannot_reuse_a_client_id(world):
    client_id = uuid.uuid4()
    visit_submit(match=world.match, by=world.coach, client_id=client_id, data=_input())

    with pytest.raises(Exception):  # noqa: B017, PT011 - PermissionDenied before anything is written
        visit_submit(match=world.other_match, by=world.other_coach, client_id=client_id, data=_input())

    assert Visit.objects.filter(client_id=client_id, match=world.match).count() == 1


def test_matching_run_never_proposes_a_forbidden_pair(cohort_pool):
    world = cohort_pool
    coach = world.match.coach
    for org in (world.match.organisation, world.other_match.organisation):
        PairRule.objects.create(cohort=world.cohort, coach=coach, organisation=org, kind=PairRuleKind.FORBIDDEN)

    run = matching_run(cohort=world.cohort, by=world.staff)

    assert not Match.objects.filter(run=run, coach=coach).exists()
    assert Match.objects.filter(run=run, coach=world.other_match.coach).count() == 2


def test_matching_run_keeps_confirmed_matches_and_their_capacity(world):
    run = matching_run(cohort=world.cohort, by=world.staff)

    assert Match.objects.filter(run=run).count() == 0  # both organisations already have a confirmed coach
    assert Match.objects.filter(cohort=world.cohort, status=MatchStatus.CONFIRMED).count() == 2


def test_webp_photo_is_accepted_and_stored_as_a_small_jpeg():
    out = io.BytesIO()
    Image.new("RGB", (2400, 1200), "green").save(out, format="WEBP")
    upload = SimpleUploadedFile("field.webp", out.getvalue(), content_type="image/webp")

    clean = clean_photo(upload)

    image = Image.open(io.BytesIO(clean.read()))
    assert (image.format, image.size) == ("JPEG", (1600, 800))


def test_renamed_file_is_refused_as_a_photo():
    upload = SimpleUploadedFile("not-a-photo.jpg", b"%PDF-1.4 pretending", content_type="image/jpeg")

    with pytest.raises(ValidationError):
        clean_photo(upload)
