"""The coach's phone: the list of their own visits, what the service worker keeps, the state a
queued send asks for, and the policy that lets the photo preview show (issue 12, items 1-5)."""

import json
import uuid

import pytest
from django.urls import reverse

from coaching import selectors
from coaching.enums import MatchStatus, VisitStatus
from coaching.tests.factories import MatchFactory, VisitFactory
from coaching.tests.test_views import WHO, _login

pytestmark = pytest.mark.django_db


def _pages(world):
    return [
        "/coaching/",
        "/coaching/visits/mine/",
        f"/coaching/pairs/{world.match.pk}/",
        f"/coaching/pairs/{world.match.pk}/visits/new/",
    ]


@pytest.mark.parametrize("who", WHO)
def test_my_visits_permission_matrix(client, world, who):
    draft = VisitFactory(
        match=world.match, status=VisitStatus.DRAFT, visited_on=None, draft={"observations": "บันทึกลับของโค้ชคนแรก"}
    )
    _login(client, world, who)

    response = client.get(reverse("coaching:my_visits"))

    body = response.content.decode()
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "coach":
        assert response.status_code == 200
        assert (body.count('data-testid="sent-row"'), body.count('data-testid="draft-row"')) == (1, 1)
        assert f'data-client-id="{draft.client_id}"' in body
        assert reverse("coaching:visit_detail", kwargs={"pk": world.visit.pk}) in body
    elif who == "other_coach":  # a coach, with visits of their own only
        assert response.status_code == 200
        assert world.match.organisation.name not in body
        assert "บันทึกลับของโค้ชคนแรก" not in body
    else:
        assert response.status_code == 404
        assert world.match.organisation.name not in body


def test_visits_list_takes_a_coach_to_their_own_visits(client, world):
    client.force_login(world.coach)

    response = client.get(reverse("coaching:visit_list"))

    assert (response.status_code, response["Location"]) == (302, reverse("coaching:my_visits"))


def test_my_visits_leaves_out_proposed_pairs_and_says_an_ended_pair_cannot_take_its_draft(client, world):
    proposed = MatchFactory(cohort=world.cohort, coach=world.match.coach, status=MatchStatus.PROPOSED)
    VisitFactory(match=proposed, observations="คู่ที่ยังไม่ยืนยัน")
    ended = MatchFactory(cohort=world.cohort, coach=world.match.coach, status=MatchStatus.ENDED, ended_reason="ย้ายงาน")
    VisitFactory(match=ended, status=VisitStatus.DRAFT, draft={"observations": "ร่างของคู่ที่จบแล้ว"})
    client.force_login(world.coach)

    body = client.get(reverse("coaching:my_visits")).content.decode()

    assert "คู่ที่ยังไม่ยืนยัน" not in body
    assert "ร่างของคู่ที่จบแล้ว" in body
    assert reverse("coaching:visit_new", kwargs={"pk": ended.pk}) not in body
    assert body.count('data-testid="continue-draft"') == 0


@pytest.mark.parametrize("extra", [0, 5])
def test_my_visits_query_count_is_flat(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        match = MatchFactory(cohort=world.cohort, coach=world.match.coach)
        VisitFactory(match=match)
        VisitFactory(match=match, status=VisitStatus.DRAFT, draft={"visited_on": "2026-12-01"})
    client.force_login(world.coach)

    with django_assert_num_queries(6):
        response = client.get(reverse("coaching:my_visits"))

    assert response.content.decode().count('data-testid="sent-row"') == 1 + extra


def test_drafts_of_coach_read_a_half_typed_or_impossible_date_as_none(world):
    for typed in ("2027-13-01", "2026-1", 20261201, "2026-12-01"):
        VisitFactory(match=world.match, status=VisitStatus.DRAFT, draft={"visited_on": typed})

    days = sorted(str(d.typed_on) for d in selectors.drafts_of_coach(world.coach))

    assert days == ["2026-12-01", "None", "None", "None"]


@pytest.mark.parametrize("who", WHO)
def test_offline_state_lists_only_the_pages_of_the_one_asking(client, world, who):
    MatchFactory(cohort=world.cohort, coach=world.match.coach, status=MatchStatus.PROPOSED)
    ended = MatchFactory(cohort=world.cohort, coach=world.match.coach, status=MatchStatus.ENDED, ended_reason="ย้ายงาน")
    _login(client, world, who)

    response = client.get(reverse("coaching:offline_state"))

    payload = response.json()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    if who == "anonymous":
        assert payload == {"authenticated": False, "pages": []}
        return
    assert payload["authenticated"] is True
    assert len(payload["csrf_token"]) == 64
    if who == "coach":
        assert payload["pages"] == _pages(world)
        assert f"/coaching/pairs/{ended.pk}/visits/new/" not in payload["pages"]
    elif who == "other_coach":
        assert payload["pages"] == [
            "/coaching/",
            "/coaching/visits/mine/",
            f"/coaching/pairs/{world.other_match.pk}/",
            f"/coaching/pairs/{world.other_match.pk}/visits/new/",
        ]
    else:
        assert payload["pages"] == ["/coaching/"]


@pytest.mark.parametrize("extra", [0, 4])
def test_offline_state_query_count_is_flat(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        MatchFactory(cohort=world.cohort, coach=world.match.coach)
    client.force_login(world.coach)

    with django_assert_num_queries(4):
        response = client.get(reverse("coaching:offline_state"))

    assert len(response.json()["pages"]) == 4 + 2 * extra


def test_service_worker_keeps_the_pages_the_server_lists_and_never_falls_back_to_the_workspace(client):
    body = client.get(reverse("coaching:service_worker")).content.decode()

    assert reverse("coaching:offline_state") in body
    assert 'cache.match("/coaching/"' not in body


def _img_src(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    directive = next(part.strip() for part in policy.split(";") if part.strip().startswith("img-src"))
    return directive.split()[1:]


def test_the_visit_form_lets_the_photo_preview_show_and_no_other_page_does(client, world):
    client.force_login(world.coach)

    form = client.get(reverse("coaching:visit_new", kwargs={"pk": world.match.pk}))
    workspace = client.get(reverse("coaching:workspace"))

    assert sorted(_img_src(form)) == sorted(["'self'", "data:", "blob:"])
    assert sorted(_img_src(workspace)) == sorted(["'self'", "data:"])


def test_a_draft_saved_under_a_sent_client_id_answers_with_the_visit(client, world):
    client.force_login(world.coach)

    response = client.post(
        reverse("coaching:visit_draft", kwargs={"pk": world.match.pk}),
        data=json.dumps({"client_id": str(world.visit.client_id), "draft": {"observations": "กดย้อนกลับ"}}),
        content_type="application/json",
    )

    assert response.json() == {
        "saved": True,
        "status": VisitStatus.SUBMITTED,
        "url": reverse("coaching:visit_detail", kwargs={"pk": world.visit.pk}),
    }
    world.visit.refresh_from_db()
    assert world.visit.draft == {}


def test_a_draft_answers_without_a_url_while_it_is_a_draft(client, world):
    client.force_login(world.coach)

    response = client.post(
        reverse("coaching:visit_draft", kwargs={"pk": world.match.pk}),
        data=json.dumps({"client_id": str(uuid.uuid4()), "draft": {"observations": "ครึ่งทาง"}}),
        content_type="application/json",
    )

    assert response.json() == {"saved": True, "status": VisitStatus.DRAFT}
