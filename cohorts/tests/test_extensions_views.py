"""Deadline extension pages: the staff page (permission matrix, bad input, flat query count),
the late-entry link, and what applicants see of their own (and only their own) deadline."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.enums import ApplicationStatus
from cohorts.models import Application, DeadlineExtension
from cohorts.services.extensions import extension_grant, late_entry_link_create, late_entry_token
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import ApplicationFactory, CohortFactory, OrganisationFactory, ProgramFactory, TrackFactory
from incubator.dates import to_bangkok
from incubator.models import OutboundEmail
from incubator.tests.factories import StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "เหตุผลลับ SECRET-REASON"


def _closed_cohort(**kwargs):
    """A call whose deadline passed an hour ago (status still open)."""
    now = timezone.now()
    cohort = CohortFactory(
        applications_open_at=now - timedelta(days=30), applications_close_at=now - timedelta(hours=1), **kwargs
    )
    TrackFactory(cohort=cohort)
    return cohort


def _staff_of(cohort):
    staff = StaffFactory()
    staff_grant_program_role(user=staff, program=cohort.program)
    return staff


def _draft(cohort, applicant=None):
    applicant = applicant or UserFactory()
    return ApplicationFactory(
        cohort=cohort,
        applicant=applicant,
        organisation=OrganisationFactory(created_by=applicant),
        consent_version=cohort.privacy_notice_version,
        consented_at=cohort.applications_open_at,
    )


def _grant(application, days=2, staff=None):
    cohort = application.cohort
    return extension_grant(
        cohort=cohort,
        person=application.applicant,
        until=timezone.now() + timedelta(days=days),
        reason=REASON,
        by=staff or _staff_of(cohort),
    )


COMPLETE_FORM = {
    "action": "submit",
    "motivation": "อยากพัฒนากลยุทธ์",
    "org_name": "มูลนิธิอันดามัน",
    "org_kind": "ngo",
    "org_province": "TH-82",
    "org_needs": ["strategy", "finance"],
    "consent": "on",
}


def _url(cohort):
    return reverse("cohorts:extensions", kwargs={"pk": cohort.pk})


def _until_fields(prefix, moment) -> dict:
    local = to_bangkok(moment)
    return {f"{prefix}-until_0": local.strftime("%Y-%m-%d"), f"{prefix}-until_1": local.strftime("%H:%M:%S")}


# --- The staff page: who may see it -----------------------------------------------------------


def test_extensions_page_for_anonymous_redirects_to_login(client):
    cohort = _closed_cohort()

    response = client.get(_url(cohort))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["unrelated", "applicant", "other_program_staff", "staff_without_program"])
def test_extensions_page_for_anyone_but_the_programs_staff_is_not_found(client, role):
    cohort = _closed_cohort()
    draft = _draft(cohort)
    _grant(draft)
    user = {
        "unrelated": UserFactory,
        "applicant": lambda: draft.applicant,
        "other_program_staff": lambda: _staff_of(_closed_cohort(program=ProgramFactory())),
        "staff_without_program": StaffFactory,
    }[role]()
    client.force_login(user)

    shown = client.get(_url(cohort))
    posted = client.post(
        _url(cohort),
        {
            "action": "grant",
            "grant-email": draft.applicant.email,
            "grant-reason": "x",
            **_until_fields("grant", timezone.now() + timedelta(days=5)),
        },
    )
    revoked = client.post(_url(cohort), {"action": "revoke", "extension": DeadlineExtension.objects.get().pk})

    assert (shown.status_code, posted.status_code, revoked.status_code) == (404, 404, 404)
    for response in (shown, posted, revoked):
        body = response.content.decode()
        assert REASON not in body
        assert draft.applicant.email not in body
    assert DeadlineExtension.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize("role", ["program_staff", "superuser"])
def test_extensions_page_for_the_programs_staff_lists_the_extensions(client, role):
    cohort = _closed_cohort()
    draft = _draft(cohort)
    _grant(draft)
    client.force_login(_staff_of(cohort) if role == "program_staff" else SuperuserFactory())

    response = client.get(_url(cohort))

    body = response.content.decode()
    assert response.status_code == 200
    assert REASON in body
    assert draft.applicant.email in body
    assert body.count('data-testid="extension-row"') == 1


def test_extensions_page_query_count_is_the_same_for_one_and_many(client, django_assert_num_queries):
    cohort = _closed_cohort()
    staff = _staff_of(cohort)
    _grant(_draft(cohort), staff=staff)
    client.force_login(staff)
    client.get(_url(cohort))  # warm the session and the content types

    with django_assert_num_queries(5):
        one = client.get(_url(cohort))
    for _ in range(6):
        _grant(_draft(cohort), staff=staff)
    late_entry_link_create(
        cohort=cohort, email="late@example.org", until=timezone.now() + timedelta(days=1), reason="x", by=staff
    )
    with django_assert_num_queries(5):
        many = client.get(_url(cohort))

    assert one.content.decode().count('data-testid="extension-row"') == 1
    assert many.content.decode().count('data-testid="extension-row"') == 8


# --- The staff page: granting, links, revoking ---------------------------------------------------


def test_extensions_page_grant_gives_the_applicant_more_time_and_emails_them(client):
    cohort = _closed_cohort()
    draft = _draft(cohort)
    staff = _staff_of(cohort)
    client.force_login(staff)
    until = (timezone.now() + timedelta(days=3)).replace(microsecond=0)

    response = client.post(
        _url(cohort),
        {
            "action": "grant",
            "grant-email": draft.applicant.email.upper(),
            "grant-reason": REASON,
            **_until_fields("grant", until),
        },
    )

    extension = DeadlineExtension.objects.get()
    assert (response.status_code, response["Location"]) == (302, _url(cohort))
    assert (extension.person, extension.until, extension.granted_by) == (draft.applicant, until, staff)
    assert OutboundEmail.objects.filter(key=f"deadline-extended:{extension.pk}").count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"grant-email": "nobody@example.org"}, "email", "No applicant of this call has this email address."),
        ({"grant-reason": "ก" * 501}, "reason", "Please keep this to 500 characters"),
        ({"grant-until_0": "2027-13-01"}, "until", "Enter a valid date."),
        ({"grant-until_0": "9999-01-01"}, "until", "Please give a date between the years"),
        ("past", "until", "must be after the call"),
    ],
)
def test_extensions_page_grant_with_bad_input_says_why_and_changes_nothing(english, change, field, message):
    cohort = _closed_cohort()
    draft = _draft(cohort)
    english.force_login(_staff_of(cohort))
    data = {
        "action": "grant",
        "grant-email": draft.applicant.email,
        "grant-reason": REASON,
        **_until_fields("grant", timezone.now() + timedelta(days=3)),
    }
    if change == "past":
        data.update(_until_fields("grant", cohort.applications_close_at - timedelta(hours=1)))
    else:
        data.update(change)

    response = english.post(_url(cohort), data)

    assert response.status_code == 400
    assert field in response.context["grant_form"].errors
    assert message in response.content.decode()
    assert not DeadlineExtension.objects.exists()
    assert not OutboundEmail.objects.filter(key__startswith="deadline-extended:").exists()


def test_extensions_page_late_entry_link_is_emailed(client):
    cohort = _closed_cohort()
    client.force_login(_staff_of(cohort))

    response = client.post(
        _url(cohort),
        {
            "action": "link",
            "link-email": "new.person@example.org",
            "link-reason": "เพิ่งทราบข่าว",
            **_until_fields("link", timezone.now() + timedelta(days=2)),
        },
    )

    extension = DeadlineExtension.objects.get()
    assert response.status_code == 302
    assert (extension.email, extension.person, extension.is_late_entry) == ("new.person@example.org", None, True)
    email = OutboundEmail.objects.get(key=f"late-entry-link:{extension.pk}")
    assert late_entry_token(extension) in email.body_text


def test_extensions_page_revoke_of_another_calls_extension_changes_nothing(client):
    cohort, other = _closed_cohort(), _closed_cohort()
    theirs = _grant(_draft(other))
    mine = _grant(_draft(cohort))
    client.force_login(_staff_of(cohort))

    client.post(_url(cohort), {"action": "revoke", "extension": theirs.pk})
    client.post(_url(cohort), {"action": "revoke", "extension": "not-a-number"})
    client.post(_url(cohort), {"action": "revoke", "extension": mine.pk})

    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.revoked_at is None, mine.revoked_at is None) == (True, False)


def test_extensions_page_search_finds_the_calls_applicants_only(client):
    cohort = _closed_cohort()
    mine = _draft(cohort, applicant=UserFactory(email="somchai@example.org"))
    _draft(_closed_cohort(), applicant=UserFactory(email="somchai.other@example.org"))
    client.force_login(_staff_of(cohort))

    body = client.get(_url(cohort), {"q": "somchai"}).content.decode()

    assert mine.applicant.email in body
    assert "somchai.other@example.org" not in body


# --- The late-entry link ----------------------------------------------------------------------


def _link(cohort, email="late.comer@example.org"):
    extension = late_entry_link_create(
        cohort=cohort, email=email, until=timezone.now() + timedelta(days=2), reason="x", by=_staff_of(cohort)
    )
    return extension, reverse("cohorts:late_entry", kwargs={"token": late_entry_token(extension)})


def test_late_entry_link_for_anonymous_goes_to_login_and_keeps_the_link(client):
    cohort = _closed_cohort()
    _extension, url = _link(cohort)

    response = client.get(url)

    assert response.status_code == 302
    assert unquote(response["Location"]) == f"{reverse('account_login')}?next={url}"


def test_late_entry_link_binds_to_its_holder_and_opens_the_form_after_the_deadline(english):
    cohort = _closed_cohort()
    extension, url = _link(cohort)
    holder = UserFactory(email="Late.Comer@example.org")
    english.force_login(holder)

    response = english.get(url)
    started = english.post(
        reverse("cohorts:application_start", kwargs={"slug": cohort.slug}), {"track": cohort.tracks.get().pk}
    )

    extension.refresh_from_db()
    application = Application.objects.get(cohort=cohort, applicant=holder)
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("cohorts:application_start", kwargs={"slug": cohort.slug}),
    )
    assert extension.person == holder
    assert started["Location"] == reverse("cohorts:application_edit", kwargs={"pk": application.pk})
    form = english.get(started["Location"]).content.decode()
    assert 'data-testid="extended">You have until' in form


@pytest.mark.parametrize(
    ("token_change", "status", "message"),
    [
        ("wrong_email", 403, "sent to another email address"),
        ("tampered", 404, "is not valid"),
    ],
)
def test_late_entry_link_refused_says_why_and_binds_nothing(english, token_change, status, message):
    cohort = _closed_cohort()
    extension, url = _link(cohort)
    user = UserFactory(email="late.comer@example.org" if token_change == "tampered" else "stranger@example.org")
    english.force_login(user)
    if token_change == "tampered":
        url = url[:-3] + "xx/"

    response = english.get(url)

    assert response.status_code == status
    assert message in response.content.decode()
    extension.refresh_from_db()
    assert extension.person is None


# --- What applicants see ------------------------------------------------------------------------


def test_only_the_extended_applicant_sees_and_uses_their_deadline(english):
    cohort = _closed_cohort()
    extended, other = _draft(cohort), _draft(cohort)
    extension = _grant(extended)

    english.force_login(other.applicant)
    other_call = english.get(cohort.get_absolute_url()).content.decode()
    other_edit = english.get(reverse("cohorts:application_edit", kwargs={"pk": other.pk}))
    other_submit = english.post(
        reverse("cohorts:application_edit", kwargs={"pk": other.pk}),
        COMPLETE_FORM,
    )
    english.force_login(extended.applicant)
    own_call = english.get(cohort.get_absolute_url()).content.decode()
    own_list = english.get(reverse("cohorts:my_applications")).content.decode()
    submitted = english.post(
        reverse("cohorts:application_edit", kwargs={"pk": extended.pk}),
        COMPLETE_FORM,
    )

    until_text = to_bangkok(extension.until).strftime("%-d %B %Y")
    assert 'data-testid="extended"' not in other_call
    assert REASON not in other_call
    assert until_text not in other_call
    assert other_edit.status_code == 302  # the deadline passed: to the application page
    assert other_submit.status_code == 200
    assert "The deadline for this call passed" in other_submit.content.decode()
    assert 'data-testid="extended"' in own_call
    assert until_text in own_call
    assert 'data-testid="extended"' in own_list
    assert submitted.status_code == 302
    extended.refresh_from_db()
    other.refresh_from_db()
    assert (extended.status, other.status) == (ApplicationStatus.SUBMITTED, ApplicationStatus.DRAFT)


def test_my_applications_query_count_with_extensions_stays_flat(client, django_assert_num_queries):
    user = UserFactory()
    cohorts = [_closed_cohort(program=ProgramFactory()) for _ in range(5)]
    for cohort in cohorts:
        _grant(_draft(cohort, applicant=user))
    client.force_login(user)

    with django_assert_num_queries(3):
        response = client.get(reverse("cohorts:my_applications"))

    assert response.content.decode().count('data-testid="extended"') == 5


def test_call_page_query_count_is_the_same_with_and_without_an_extension(client, django_assert_num_queries):
    cohort = _closed_cohort()
    plain, extended = _draft(cohort), _draft(cohort)
    _grant(extended)

    client.force_login(plain.applicant)
    client.get(cohort.get_absolute_url())
    with django_assert_num_queries(6):
        client.get(cohort.get_absolute_url())
    client.force_login(extended.applicant)
    client.get(cohort.get_absolute_url())
    with django_assert_num_queries(6):
        client.get(cohort.get_absolute_url())
