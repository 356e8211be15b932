"""The staged decisions pages: who may see them (404 for anyone but the program's staff),
flat query counts, a failed save keeps what staff typed, the send confirmation and the
applicant's "I can no longer take part"."""

import pytest
from django.urls import reverse

from cohorts.enums import ApplicationStatus
from cohorts.models import Application, PendingDecision, PlaceFreed
from cohorts.services.decisions import application_decide
from cohorts.services.staff import staff_grant_program_role
from cohorts.services.staging import decision_stage
from cohorts.tests.factories import (
    CohortFactory,
    PhaseFactory,
    ProgramFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)
from incubator.enums import AccessAction
from incubator.models import AccessLogEntry, OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "สมหญิง ผู้สมัครลับ"
A, W, R = ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED


@pytest.fixture
def world():
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    application = SubmittedApplicationFactory(cohort=cohort, applicant__full_name=SECRET_NAME)
    reviewer = UserFactory()
    ReviewAssignmentFactory(application=application, reviewer=reviewer)
    program_staff = UserFactory()
    staff_grant_program_role(user=program_staff, program=program)
    other_staff = UserFactory()
    other_program = ProgramFactory()
    staff_grant_program_role(user=other_staff, program=other_program)
    other_cohort = CohortFactory(program=other_program)
    other_application = SubmittedApplicationFactory(cohort=other_cohort)
    decision_stage(application=application, status=A, by=program_staff)
    decision_stage(application=other_application, status=A, by=other_staff)
    return {
        "cohort": cohort,
        "application": application,
        "other_cohort": other_cohort,
        "other_application": other_application,
        "program_staff": program_staff,
        "users": {
            "anonymous": None,
            "applicant": application.applicant,
            "reviewer": reviewer,
            "staff_other_program": other_staff,
            "program_staff": program_staff,
            "superuser": SuperuserFactory(),
        },
    }


EXPECTED = {
    "anonymous": 302,
    "applicant": 404,
    "reviewer": 404,
    "staff_other_program": 404,
    "program_staff": 200,
    "superuser": 200,
}


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _urls(world):
    cohort, application = world["cohort"], world["application"]
    return {
        "stage": reverse("cohorts:decisions_stage", kwargs={"pk": cohort.pk}),
        # The page's filter and pagination: the same rules with any query.
        "stage_filtered": reverse("cohorts:decisions_stage", kwargs={"pk": cohort.pk})
        + "?phase=all&status=submitted&staged=accepted&page=1",
        "preview": reverse("cohorts:decisions_preview", kwargs={"pk": cohort.pk, "application_pk": application.pk}),
        "send": reverse("cohorts:decisions_send", kwargs={"pk": cohort.pk}),
    }


@pytest.mark.parametrize("page", ["stage", "stage_filtered", "preview", "send"])
@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_decisions_pages_permission_matrix(client, world, page, who, expected):
    client = _as(client, world["users"][who])

    response = client.get(_urls(world)[page])

    assert response.status_code == expected
    if expected == 302:
        assert reverse("account_login") in response["Location"]
    assert (SECRET_NAME in response.content.decode()) is (expected == 200 and page != "send")


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_decisions_post_permission_matrix_changes_and_sends_nothing(client, world, who, expected):
    client = _as(client, world["users"][who])
    application = world["application"]

    stage = client.post(_urls(world)["stage"], {"action": "save", f"status_{application.pk}": R})
    send = client.post(_urls(world)["send"], {"expected_count": 1})

    if expected == 200:
        assert (stage.status_code, send.status_code) == (302, 302)
        assert OutboundEmail.objects.filter(key=f"decision:{application.pk}:rejected").count() == 1
    else:
        assert stage.status_code == send.status_code == expected
        assert PendingDecision.objects.get(application=application).status == A
        assert not OutboundEmail.objects.filter(key__startswith="decision:").exists()


def test_decisions_preview_of_another_programs_application_is_404(client, world):
    client.force_login(world["program_staff"])
    url = reverse(
        "cohorts:decisions_preview",
        kwargs={"pk": world["cohort"].pk, "application_pk": world["other_application"].pk},
    )

    response = client.get(url)

    assert response.status_code == 404


def test_decisions_preview_shows_the_email_and_logs_the_access(client, world):
    client.force_login(world["program_staff"])

    response = client.get(_urls(world)["preview"])

    assert response.status_code == 200
    email = response.context["email"]
    assert email.subject in response.content.decode()
    assert SECRET_NAME in email.body_text
    assert not OutboundEmail.objects.exists()
    logged = AccessLogEntry.objects.get(user=world["program_staff"])
    assert (logged.action, logged.target_id, logged.detail) == (
        AccessAction.VIEW,
        str(world["application"].pk),
        "decision preview",
    )


def test_decisions_stage_refuses_another_programs_application_in_the_selection(client, world, english):
    client.force_login(world["program_staff"])
    other = world["other_application"]

    response = client.post(_urls(world)["stage"], {"action": "bulk", "selected": [other.pk], "bulk_status": R})

    assert response.status_code == 400
    assert PendingDecision.objects.get(application=other).status == A
    assert str(other.applicant) not in response.content.decode()


@pytest.mark.parametrize(("rows", "query", "shown"), [(1, "", 1), (8, "", 3), (8, "?phase=all&page=3", 2)])
def test_decisions_stage_query_count_is_flat(client, django_assert_num_queries, monkeypatch, rows, query, shown):
    monkeypatch.setattr("cohorts.views.decisions.PER_PAGE", 3)
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=program)
    for index in range(rows):
        application = SubmittedApplicationFactory(cohort=cohort)
        decision_stage(application=application, status=W if index % 2 else A, by=staff)
    client.force_login(staff)

    # 8, not 5 as before pagination: the call's phases (for the filter), the ranked index of
    # the phase's applications (pk, rank, status, staged), then the page's rows in full, and
    # the staged counts of the whole call (they used to be counted from the rows).
    with django_assert_num_queries(8):
        response = client.get(reverse("cohorts:decisions_stage", kwargs={"pk": cohort.pk}) + query)

    assert response.status_code == 200
    assert len(response.context["rows"]) == shown
    assert response.context["staged_total"] == rows


@pytest.fixture
def phased(world):
    """The world's cohort in two phases: two applications stand in the first, two in the
    second (one of them with the world's staged acceptance), one in none."""
    cohort, staff = world["cohort"], world["program_staff"]
    first, second = PhaseFactory(cohort=cohort, order=1), PhaseFactory(cohort=cohort, order=2)
    early = [SubmittedApplicationFactory(cohort=cohort, phase=first) for _ in range(2)]
    late = SubmittedApplicationFactory(cohort=cohort, phase=second, status=ApplicationStatus.UNDER_REVIEW)
    Application.objects.filter(pk=world["application"].pk).update(phase=second)
    unphased = SubmittedApplicationFactory(cohort=cohort)
    decision_stage(application=early[0], status=R, by=staff)
    decision_stage(application=late, status=W, by=staff)
    return {"first": first, "second": second, "early": early, "late": late, "unphased": unphased}


def _shown(response) -> list[int]:
    return sorted(row["application"].pk for row in response.context["rows"])


def test_decisions_stage_lists_the_last_phase_with_applications_by_default(client, world, phased):
    client.force_login(world["program_staff"])
    PhaseFactory(cohort=world["cohort"], order=3)  # no application stands in it yet

    response = client.get(_urls(world)["stage"])

    assert response.status_code == 200
    assert _shown(response) == sorted([world["application"].pk, phased["late"].pk])
    assert response.context["values"] == {"phase": str(phased["second"].pk), "status": "", "staged": ""}
    # The counts and the send button are the whole call's, not the page's.
    assert response.context["staged_total"] == 3
    assert 'data-testid="send-decisions"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("phase=all", ["application", "early0", "early1", "late", "unphased"]),
        ("phase={first}", ["early0", "early1"]),
        ("phase=all&staged=none", ["early1", "unphased"]),
        ("phase=all&staged=rejected", ["early0"]),
        ("phase=all&staged=accepted", ["application"]),
        ("phase={second}&status=under_review", ["late"]),
        ("phase=all&status=accepted", []),
        ("phase=nonsense&staged=nonsense&status=draft", ["application", "late"]),
    ],
)
def test_decisions_stage_filters_by_phase_status_and_staged_decision(client, world, phased, english, query, expected):
    client.force_login(world["program_staff"])
    names = {
        "application": world["application"].pk,
        "early0": phased["early"][0].pk,
        "early1": phased["early"][1].pk,
        "late": phased["late"].pk,
        "unphased": phased["unphased"].pk,
    }

    response = client.get(
        _urls(world)["stage"] + "?" + query.format(first=phased["first"].pk, second=phased["second"].pk)
    )

    assert response.status_code == 200
    assert _shown(response) == sorted(names[name] for name in expected)
    assert ("No application matches this filter." in response.content.decode()) is (not expected)


def test_decisions_stage_paginates_and_page_links_keep_the_filter(client, world, monkeypatch, english):
    monkeypatch.setattr("cohorts.views.decisions.PER_PAGE", 2)
    cohort = world["cohort"]
    extra = [SubmittedApplicationFactory(cohort=cohort) for _ in range(4)]
    client.force_login(world["program_staff"])
    url = _urls(world)["stage"]

    pages = [client.get(f"{url}?staged=none&page={number}") for number in (1, 2, 3)]

    # The staged one is filtered out; each unstaged one is on exactly one page; page 3 of 2 is the last.
    assert sorted(_shown(pages[0]) + _shown(pages[1])) == sorted(a.pk for a in extra)
    assert [len(_shown(page)) for page in pages] == [2, 2, 2]
    assert _shown(pages[2]) == _shown(pages[1])
    body = pages[0].content.decode()
    assert "?phase=all&amp;status=&amp;staged=none&amp;page=2" in body
    assert "Showing 1–2 of 4 applications." in body


def test_decisions_stage_save_on_a_page_leaves_the_other_pages_staged(client, world, monkeypatch):
    monkeypatch.setattr("cohorts.views.decisions.PER_PAGE", 1)
    staff, cohort = world["program_staff"], world["cohort"]
    later = SubmittedApplicationFactory(cohort=cohort)
    decision_stage(application=later, status=W, by=staff)
    client.force_login(staff)
    url = _urls(world)["stage"] + "?phase=all&page=2"
    page = client.get(url)
    (row,) = page.context["rows"]
    other = world["application"] if row["application"].pk == later.pk else later

    response = client.post(url, {"action": "save", f"status_{row['application'].pk}": R})

    assert response.status_code == 302
    assert response["Location"] == url
    assert PendingDecision.objects.get(application=row["application"]).status == R
    assert PendingDecision.objects.get(application=other).status in {A, W}  # not on the page: untouched


def test_decisions_stage_bulk_applies_to_the_selected_rows_of_the_page_shown(client, world, phased):
    client.force_login(world["program_staff"])
    url = _urls(world)["stage"] + f"?phase={phased['first'].pk}"
    early = phased["early"]

    response = client.post(
        url,
        {
            "action": "bulk",
            "selected": [early[1].pk],
            "bulk_status": A,
            f"status_{early[0].pk}": R,
            f"status_{early[1].pk}": "",
        },
    )

    assert response.status_code == 302
    assert PendingDecision.objects.get(application=early[1]).status == A
    assert PendingDecision.objects.get(application=early[0]).status == R
    assert PendingDecision.objects.get(application=phased["late"]).status == W


def test_decisions_stage_saves_rows_and_bulk(client, world):
    staff, cohort = world["program_staff"], world["cohort"]
    first, second = (SubmittedApplicationFactory(cohort=cohort) for _ in range(2))
    client.force_login(staff)
    url = _urls(world)["stage"]

    response = client.post(url, {"action": "bulk", "selected": [first.pk, second.pk], "bulk_status": W})
    assert response.status_code == 302
    response = client.post(
        url,
        {
            "action": "save",
            f"status_{world['application'].pk}": "",
            f"status_{first.pk}": W,
            f"position_{first.pk}": "5",
            f"note_{first.pk}": "คนแรกในรายชื่อสำรอง",
            f"status_{second.pk}": W,
            f"position_{second.pk}": "1",
        },
    )

    assert response.status_code == 302
    staged = {p.application_id: (p.status, p.waitlist_position) for p in PendingDecision.objects.filter(cohort=cohort)}
    assert staged == {first.pk: (W, 5), second.pk: (W, 1)}
    assert PendingDecision.objects.get(application=first).note == "คนแรกในรายชื่อสำรอง"
    assert not OutboundEmail.objects.exists()


def test_decisions_stage_bad_input_keeps_what_was_typed_and_changes_nothing(client, world, english):
    staff, cohort = world["program_staff"], world["cohort"]
    first = SubmittedApplicationFactory(cohort=cohort)
    client.force_login(staff)

    response = client.post(
        _urls(world)["stage"],
        {
            "action": "save",
            f"status_{world['application'].pk}": R,
            f"status_{first.pk}": A,
            f"position_{first.pk}": "3",
            f"note_{first.pk}": "จำไว้",
        },
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Only a waitlisted application has a place on the waiting list." in body
    assert 'value="จำไว้"' in body
    assert PendingDecision.objects.get(application=world["application"]).status == A
    assert not PendingDecision.objects.filter(application=first).exists()


def test_decisions_stage_bulk_without_selection_says_so(client, world, english):
    client.force_login(world["program_staff"])

    response = client.post(_urls(world)["stage"], {"action": "bulk", "bulk_status": R})

    assert response.status_code == 400
    assert "Select at least one application." in response.content.decode()


def test_decisions_send_confirmation_shows_the_count_and_refuses_a_stale_one(client, world, english):
    client.force_login(world["program_staff"])
    url = _urls(world)["send"]

    page = client.get(url)
    decision_stage(application=SubmittedApplicationFactory(cohort=world["cohort"]), status=R, by=world["program_staff"])
    stale = client.post(url, {"expected_count": page.context["total"]})

    assert page.context["total"] == 1
    assert stale.status_code == 409
    assert stale.context["total"] == 2
    assert not OutboundEmail.objects.exists()
    sent = client.post(url, {"expected_count": 2}, follow=True)
    assert "2 decisions sent" in sent.content.decode()
    assert OutboundEmail.objects.filter(key__startswith="decision:").count() == 2


def test_decisions_send_twice_says_the_batch_went_out_and_sends_nothing_more(client, world, english):
    client.force_login(world["program_staff"])
    url = _urls(world)["send"]
    client.post(url, {"expected_count": 1})

    again = client.post(url, {"expected_count": 1}, follow=True)

    assert again.redirect_chain[-1][0] == _urls(world)["stage"]
    assert "this batch was already sent" in again.content.decode()
    assert OutboundEmail.objects.filter(key__startswith="decision:").count() == 1


# --- The applicant declines -------------------------------------------------------------------


def test_accepted_applicant_declines_and_the_waitlist_moves_up(client, english):
    cohort = CohortFactory(waitlist_auto_promote=True)
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=cohort.program)
    accepted = SubmittedApplicationFactory(cohort=cohort)
    waiting = SubmittedApplicationFactory(cohort=cohort)
    application_decide(application=accepted, status=A, by=staff)
    application_decide(application=waiting, status=W, by=staff)
    client.force_login(accepted.applicant)
    detail = reverse("cohorts:application_detail", kwargs={"pk": accepted.pk})
    confirm = reverse("cohorts:application_withdraw", kwargs={"pk": accepted.pk})

    assert "I can no longer take part" in client.get(detail).content.decode()
    assert "Give up my place" in client.get(confirm).content.decode()
    response = client.post(confirm, follow=True)

    assert "You gave up your place" in response.content.decode()
    assert Application.objects.get(pk=accepted.pk).status == ApplicationStatus.WITHDRAWN
    assert Application.objects.get(pk=waiting.pk).status == A
    assert PlaceFreed.objects.get().promoted_id == waiting.pk


def test_someone_else_cannot_decline_an_accepted_place(client):
    accepted = SubmittedApplicationFactory(status=A)
    client.force_login(UserFactory())

    response = client.post(reverse("cohorts:application_withdraw", kwargs={"pk": accepted.pk}))

    assert response.status_code == 404
    assert Application.objects.get(pk=accepted.pk).status == A


def test_cohort_admin_sets_waitlist_auto_promote_and_links_the_decisions_page(client, world):
    cohort = world["cohort"]
    client.force_login(world["program_staff"])
    url = reverse("admin:cohorts_cohort_change", args=[cohort.pk])

    page = client.get(url)

    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="waitlist_auto_promote"' in body
    assert reverse("cohorts:decisions_stage", kwargs={"pk": cohort.pk}) in body
