"""Pages: who sees what (status code and nothing leaked) and flat query counts."""

import json

import pytest
from django.urls import reverse

from coaching.enums import ActionStatus, VisitStatus
from coaching.models import ActionItem, Preference, Visit, VisitPhoto
from coaching.services.visits import PhotoUpload, VisitInput, visit_submit
from coaching.tests.factories import ActionFactory, MatchFactory, VisitFactory, leader_of, photo_upload

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "other_coach", "other_leader", "leader", "researcher", "other_staff", "staff", "coach"]


def _login(client, world, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))


def _photo(world):
    visit_submit(
        match=world.match,
        by=world.coach,
        client_id=world.visit.client_id,
        data=VisitInput(fields={}, photos=[PhotoUpload(client_id=__import__("uuid").uuid4(), file=photo_upload())]),
    )
    return VisitPhoto.objects.get(visit=world.visit)


EXPECTED = {
    # url name: who gets 200 (others 404, anonymous redirected to login)
    "match_detail": {"leader", "staff", "coach"},
    "visit_detail": {"leader", "researcher", "staff", "coach"},
    "photo": {"leader", "researcher", "staff", "coach"},
    "visit_new": {"coach"},
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pages_permission_matrix(client, world, who, name, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = _photo(world) if name == "photo" else None
    pk = {"match_detail": world.match.pk, "visit_detail": world.visit.pk, "visit_new": world.match.pk}.get(name)
    url = reverse(f"coaching:{name}", kwargs={"pk": photo.pk if photo else pk})
    _login(client, world, who)

    response = client.get(url)

    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who in EXPECTED[name]:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert world.match.organisation.name not in response.content.decode()


@pytest.mark.parametrize("who", WHO)
def test_action_update_permission_matrix(client, world, who):
    _login(client, world, who)

    response = client.post(
        reverse("coaching:action_update", kwargs={"pk": world.action.pk}), {"status": ActionStatus.DONE}
    )

    world.action.refresh_from_db()
    if who in ("leader", "coach"):
        assert response.status_code == 302
        assert world.action.status == ActionStatus.DONE
    else:
        assert response.status_code in (302, 404) if who == "anonymous" else response.status_code == 404
        assert world.action.status == ActionStatus.OPEN


@pytest.mark.parametrize("who", WHO)
def test_plan_goal_permission_matrix(client, world, who):
    _login(client, world, who)

    response = client.post(
        reverse("coaching:goal_add", kwargs={"pk": world.match.pk}), {"after_workshop": 1, "text": "ทดลองกลยุทธ์"}
    )

    allowed = who in ("leader", "coach")
    assert world.plan.goals.count() == (1 if allowed else 0)
    if not allowed and who != "anonymous":
        assert response.status_code == 404


@pytest.mark.parametrize("who", WHO)
def test_visit_submit_permission_matrix(client, world, who):
    _login(client, world, who)
    before = Visit.objects.count()

    response = client.post(
        reverse("coaching:visit_new", kwargs={"pk": world.match.pk}),
        {"client_id": "6f1c9a52-5d43-4c55-9d16-2c8d8f6f2f10", "visited_on": "2026-11-28", "mode": "on_site",
         "phase": "strategy", "observations": "x"},
    )  # fmt: skip

    if who == "coach":
        assert response.status_code == 302
        assert Visit.objects.count() == before + 1
    else:
        assert response.status_code in (302, 404) if who == "anonymous" else response.status_code == 404
        assert Visit.objects.count() == before


@pytest.mark.parametrize("who", WHO)
def test_visit_list_permission_matrix(client, world, who):
    _login(client, world, who)

    response = client.get(reverse("coaching:visit_list"))

    if who in ("researcher", "staff"):
        assert response.status_code == 200
        assert world.match.organisation.name in response.content.decode()
    elif who == "other_staff":
        assert response.status_code == 404 or world.match.organisation.name not in response.content.decode()
    elif who in ("coach", "other_coach"):  # a coach reads their own visits instead
        assert (response.status_code, response["Location"]) == (302, reverse("coaching:my_visits"))
    elif who != "anonymous":
        assert response.status_code == 404


@pytest.mark.parametrize("who", WHO)
def test_matching_page_permission_matrix(client, world, who):
    _login(client, world, who)

    response = client.get(reverse("coaching:matching", kwargs={"cohort_id": world.cohort.pk}))

    if who == "staff":
        assert response.status_code == 200
    elif who != "anonymous":
        assert response.status_code == 404


def test_researcher_export_has_the_cohort_visits_only(client, world):
    outside = VisitFactory(observations="ไม่ควรเห็น")
    client.force_login(world.researcher)

    body = b"".join(client.get(reverse("coaching:visit_export")).streaming_content).decode()

    assert world.visit.observations in body
    assert outside.observations not in body


def test_leader_does_not_see_unshared_or_draft_visits(client, world):
    hidden = VisitFactory(match=world.match, shared_with_leader=False)
    draft = VisitFactory(match=world.match, status=VisitStatus.DRAFT)
    client.force_login(world.leader)

    assert client.get(reverse("coaching:visit_detail", kwargs={"pk": hidden.pk})).status_code == 404
    assert client.get(reverse("coaching:visit_detail", kwargs={"pk": draft.pk})).status_code == 404


def _more_pairs(world, n):
    for _ in range(n):
        match = MatchFactory(cohort=world.cohort, coach=world.match.coach)
        leader_of(match)
        visit = VisitFactory(match=match)
        ActionFactory(match=match, visit=visit)


@pytest.mark.parametrize("extra", [0, 4])
def test_workspace_query_count_is_flat(client, world, django_assert_num_queries, extra):
    _more_pairs(world, extra)
    client.force_login(world.coach)

    with django_assert_num_queries(11):
        response = client.get(reverse("coaching:workspace"))

    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 4])
def test_visit_list_query_count_is_flat(client, world, django_assert_num_queries, extra):
    _more_pairs(world, extra)
    client.force_login(world.staff)

    with django_assert_num_queries(6):
        response = client.get(reverse("coaching:visit_list"))

    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 4])
def test_match_detail_query_count_is_flat(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        visit = VisitFactory(match=world.match)
        ActionFactory(match=world.match, visit=visit)
    client.force_login(world.coach)

    with django_assert_num_queries(8):
        response = client.get(reverse("coaching:match_detail", kwargs={"pk": world.match.pk}))

    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 3])
def test_visit_form_query_count_is_flat(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        ActionFactory(match=world.match)
    client.force_login(world.coach)

    with django_assert_num_queries(6):
        response = client.get(reverse("coaching:visit_new", kwargs={"pk": world.match.pk}))

    assert response.status_code == 200
    assert (
        response.content.decode().count('data-testid="carried-action"')
        == ActionItem.objects.filter(match=world.match).count()
    )


@pytest.mark.parametrize("extra", [0, 4])
def test_visit_detail_query_count_is_flat(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        ActionFactory(match=world.match, visit=world.visit)
    client.force_login(world.coach)

    with django_assert_num_queries(5):
        response = client.get(reverse("coaching:visit_detail", kwargs={"pk": world.visit.pk}))

    assert response.status_code == 200


def test_coach_edits_their_profile(client, world):
    client.force_login(world.coach)
    url = reverse("coaching:profile")

    response = client.post(
        url, {"kind": "field_coach", "skills": ["strategy"], "capacity": 3, "home_province": "TH-40", "bio": "ใหม่"}
    )

    profile = world.match.coach
    profile.refresh_from_db()
    assert response.status_code == 302
    assert (profile.kind, profile.skills, profile.capacity, profile.bio) == ("field_coach", ["strategy"], 3, "ใหม่")


def test_profile_page_is_404_for_someone_who_is_not_a_coach(client, world):
    client.force_login(world.leader)

    assert client.get(reverse("coaching:profile")).status_code == 404


def test_visit_list_filters_by_phase(client, world):
    finance = VisitFactory(match=world.match, phase="finance", observations="ตัวเลขการเงิน")
    client.force_login(world.staff)

    response = client.get(reverse("coaching:visit_list"), {"phase": "finance"})

    rows = response.content.decode().count('data-testid="visit-row"')
    assert rows == 1
    assert reverse("coaching:visit_detail", kwargs={"pk": finance.pk}) in response.content.decode()


@pytest.mark.parametrize("extra", [0, 4])
def test_matching_page_query_count_is_flat(client, world, django_assert_num_queries, extra):
    _more_pairs(world, extra)
    client.force_login(world.staff)

    with django_assert_num_queries(13):
        response = client.get(reverse("coaching:matching", kwargs={"cohort_id": world.cohort.pk}))

    assert response.status_code == 200


def test_leader_sees_their_coach_and_open_actions_on_the_workspace(client, world):
    client.force_login(world.leader)

    body = client.get(reverse("coaching:workspace")).content.decode()

    assert world.coach.email in body
    assert world.action.title in body
    assert world.other_match.organisation.name not in body


@pytest.mark.parametrize("who", WHO)
def test_milestone_and_end_permission_matrix(client, world, who):
    _login(client, world, who)

    client.post(
        reverse("coaching:milestone_add", kwargs={"pk": world.match.pk}), {"title": "ทดลอง", "due_on": "2027-01-10"}
    )
    end = client.post(reverse("coaching:match_end", kwargs={"pk": world.match.pk}), {"reason": "ทดสอบ"})

    world.match.refresh_from_db()
    assert world.plan.milestones.count() == (1 if who in ("leader", "coach") else 0)
    assert (world.match.status == "ended") == (who == "staff")
    if who not in ("staff", "anonymous"):
        assert end.status_code == 404


@pytest.mark.parametrize("who", WHO)
def test_visit_draft_permission_matrix(client, world, who):
    _login(client, world, who)
    client_id = "3b0a4f8e-8f77-4a47-9d0c-4a3f2f7d9e21"

    response = client.post(
        reverse("coaching:visit_draft", kwargs={"pk": world.match.pk}),
        data=json.dumps({"client_id": client_id, "draft": {"observations": "ครึ่งทาง"}}),
        content_type="application/json",
    )

    saved = Visit.objects.filter(client_id=client_id).first()
    if who == "coach":
        assert response.status_code == 200
        assert (saved.status, saved.draft) == (VisitStatus.DRAFT, {"observations": "ครึ่งทาง"})
    else:
        assert saved is None
        assert response.status_code == (302 if who == "anonymous" else 404)


def test_service_worker_is_served_for_the_coaching_scope(client):
    response = client.get(reverse("coaching:service_worker"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/coaching/"
    assert "idb-keyval" in response.content.decode()


class NextWorkshop:
    def __str__(self):
        return "เวิร์กช็อปที่ 2: การเงินเพื่อสังคม"


def next_workshop_stub(cohort_ids):
    return dict.fromkeys(cohort_ids, NextWorkshop())


def test_workspace_shows_the_next_workshop_through_the_hook(client, world, settings):
    settings.COACHING_NEXT_WORKSHOP_SELECTOR = "coaching.tests.test_views.next_workshop_stub"
    client.force_login(world.coach)

    body = client.get(reverse("coaching:workspace")).content.decode()

    assert "เวิร์กช็อปที่ 2: การเงินเพื่อสังคม" in body


@pytest.mark.parametrize("who", WHO)
def test_preferences_permission_matrix(client, world, who):
    _login(client, world, who)
    url = reverse("coaching:preferences", kwargs={"cohort_id": world.cohort.pk})

    response = client.get(url)

    if who in ("coach", "other_coach", "leader", "other_leader"):
        assert response.status_code == 200
    else:
        assert response.status_code == (302 if who == "anonymous" else 404)


def test_coach_and_leader_rank_the_other_side(client, world):
    client.force_login(world.coach)
    org = world.other_match.organisation
    client.post(reverse("coaching:preferences", kwargs={"cohort_id": world.cohort.pk}), {f"rank_{org.pk}": "1"})
    client.force_login(world.leader)
    client.post(
        reverse("coaching:preferences", kwargs={"cohort_id": world.cohort.pk}),
        {f"rank_{world.match.coach.pk}": "2", f"rank_{world.other_match.coach.pk}": "1"},
    )

    got = set(Preference.objects.values_list("side", "coach_id", "organisation_id", "rank"))
    assert got == {
        ("coach", world.match.coach.pk, org.pk, 1),
        ("organisation", world.match.coach.pk, world.match.organisation_id, 2),
        ("organisation", world.other_match.coach.pk, world.match.organisation_id, 1),
    }


def test_ranking_refuses_the_same_rank_twice(client, world):
    client.force_login(world.leader)

    client.post(
        reverse("coaching:preferences", kwargs={"cohort_id": world.cohort.pk}),
        {f"rank_{world.match.coach.pk}": "1", f"rank_{world.other_match.coach.pk}": "1"},
    )

    assert Preference.objects.count() == 0


def test_visit_export_and_photo_downloads_are_in_the_access_log(client, world):
    from incubator.enums import AccessAction
    from incubator.models import AccessLogEntry

    photo = _photo(world)
    client.force_login(world.researcher)

    client.get(reverse("coaching:visit_export"))
    client.get(reverse("coaching:photo", args=[photo.pk]))

    assert list(AccessLogEntry.objects.order_by("pk").values_list("user_id", "action", "target", "target_id")) == [
        (world.researcher.pk, AccessAction.EXPORT, "coaching.visit", ""),
        (world.researcher.pk, AccessAction.DOWNLOAD, "coaching.visitphoto", str(photo.pk)),
    ]
