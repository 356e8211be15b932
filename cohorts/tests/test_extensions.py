"""Deadline extensions and late-entry links on the real database: one person's deadline, to
the second, and nobody else's; links signed, expiring, bound to their address; all logged."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from cohorts.enums import ApplicationStatus, CohortStatus
from cohorts.models import Application, DeadlineExtension, DeadlineReminder, ExtensionReminder
from cohorts.selectors.deadlines import deadline_for, is_accepting_for
from cohorts.services.applications import (
    ApplicationClosedError,
    application_can_edit,
    application_save_draft,
    application_start,
    application_submit,
)
from cohorts.services.extensions import (
    LateEntryRefused,
    extension_grant,
    extension_revoke,
    late_entry_link_create,
    late_entry_link_open,
    late_entry_token,
)
from cohorts.services.reminders import reminders_plan
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    OrganisationFactory,
    ProgramFactory,
    TrackFactory,
)
from incubator.dates import BANGKOK
from incubator.models import OutboundEmail
from incubator.tests.factories import StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime(2027, 3, 15, 17, 0, tzinfo=BANGKOK)
UNTIL = DEADLINE + timedelta(days=3)


def _cohort(**kwargs):
    return CohortFactory(applications_open_at=DEADLINE - timedelta(days=30), applications_close_at=DEADLINE, **kwargs)


def _staff_of(cohort):
    staff = StaffFactory()
    staff_grant_program_role(user=staff, program=cohort.program)
    return staff


def _complete_draft(cohort, applicant=None) -> Application:
    applicant = applicant or UserFactory()
    return ApplicationFactory(
        cohort=cohort,
        applicant=applicant,
        organisation=OrganisationFactory(created_by=applicant),
        consent_version=cohort.privacy_notice_version,
        consented_at=cohort.applications_open_at,
    )


def _grant(application, until=UNTIL, by=None):
    cohort = application.cohort
    return extension_grant(
        cohort=cohort, person=application.applicant, until=until, reason="ป่วย มีใบรับรองแพทย์", by=by or _staff_of(cohort)
    )


def _reasons(extension) -> list[str]:
    return list(extension.history.order_by("history_id").values_list("history_change_reason", flat=True))


# --- Who may submit, and until when ------------------------------------------------------------


def test_extension_lets_exactly_that_person_submit_after_the_deadline_and_nobody_else():
    cohort = _cohort()
    extended, other = _complete_draft(cohort), _complete_draft(cohort)
    _grant(extended)

    with time_machine.travel(DEADLINE + timedelta(days=1), tick=False):
        application_submit(application=extended, by=extended.applicant)
        with pytest.raises(ApplicationClosedError):
            application_submit(application=other, by=other.applicant)

    extended.refresh_from_db()
    other.refresh_from_db()
    assert (extended.status, other.status) == (ApplicationStatus.SUBMITTED, ApplicationStatus.DRAFT)


def test_extension_is_honoured_to_the_second():
    cohort = _cohort()
    on_time, late = _complete_draft(cohort), _complete_draft(cohort)
    _grant(on_time)
    _grant(late)

    with time_machine.travel(UNTIL - timedelta(seconds=1), tick=False):
        application_submit(application=on_time, by=on_time.applicant)
    with time_machine.travel(UNTIL, tick=False), pytest.raises(ApplicationClosedError) as error:
        application_submit(application=late, by=late.applicant)

    late.refresh_from_db()
    assert (on_time.status, late.status) == (ApplicationStatus.SUBMITTED, ApplicationStatus.DRAFT)
    assert "18 มีนาคม 2570, 17:00" in " ".join(error.value.messages)  # their own deadline, Buddhist Era


def test_deadline_for_and_is_accepting_for_answer_per_person():
    cohort = _cohort()
    extended, other = _complete_draft(cohort), _complete_draft(cohort)
    _grant(extended)
    after = DEADLINE + timedelta(hours=1)

    assert deadline_for(cohort=cohort, user=extended.applicant) == UNTIL
    assert deadline_for(cohort=cohort, user=other.applicant) == DEADLINE
    assert is_accepting_for(cohort=cohort, user=extended.applicant, at=after) is True
    assert is_accepting_for(cohort=cohort, user=other.applicant, at=after) is False
    assert application_can_edit(extended, at=after) is True
    assert application_can_edit(other, at=after) is False


def test_extension_survives_staff_closing_the_call_but_not_a_running_cohort():
    cohort = _cohort()
    draft = _complete_draft(cohort)
    _grant(draft)
    after = DEADLINE + timedelta(hours=1)

    cohort.status = CohortStatus.CLOSED
    assert is_accepting_for(cohort=cohort, user=draft.applicant, at=after) is True
    cohort.status = CohortStatus.RUNNING
    assert is_accepting_for(cohort=cohort, user=draft.applicant, at=after) is False


def test_revoked_extension_stops_it():
    cohort = _cohort()
    draft = _complete_draft(cohort)
    staff = _staff_of(cohort)
    extension = _grant(draft, by=staff)

    extension_revoke(extension=extension, by=staff)
    extension_revoke(extension=extension, by=staff)  # twice: no second row

    with time_machine.travel(DEADLINE + timedelta(hours=1), tick=False), pytest.raises(ApplicationClosedError):
        application_submit(application=draft, by=draft.applicant)
    assert _reasons(extension) == ["granted: ป่วย มีใบรับรองแพทย์", "revoked"]
    assert deadline_for(cohort=cohort, user=draft.applicant) == DEADLINE


def test_submitting_on_an_extension_records_that_it_was_used():
    cohort = _cohort()
    draft = _complete_draft(cohort)
    extension = _grant(draft)

    with time_machine.travel(DEADLINE + timedelta(hours=2), tick=False):
        application_submit(application=draft, by=draft.applicant)
        application_save_draft(application=draft, by=draft.applicant, data={"motivation": "แก้ไขอีกครั้ง"})

    extension.refresh_from_db()
    assert extension.used_at == DEADLINE + timedelta(hours=2)
    assert _reasons(extension) == ["granted: ป่วย มีใบรับรองแพทย์", "used"]
    assert OutboundEmail.objects.get(key=f"application-submitted:{draft.pk}").body_text.count("18 มีนาคม 2570") == 1


# --- Granting -----------------------------------------------------------------------------------


def test_extension_grant_emails_the_person_once_and_a_new_grant_replaces_the_old():
    cohort = _cohort()
    draft = _complete_draft(cohort)
    staff = _staff_of(cohort)

    first = _grant(draft, by=staff)
    second = _grant(draft, until=UNTIL + timedelta(days=1), by=staff)

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at is None
    assert deadline_for(cohort=cohort, user=draft.applicant) == UNTIL + timedelta(days=1)
    emails = OutboundEmail.objects.filter(key__startswith="deadline-extended:").order_by("pk")
    assert [email.key for email in emails] == [f"deadline-extended:{first.pk}", f"deadline-extended:{second.pk}"]
    assert emails[1].to == draft.applicant.email
    assert "19 มีนาคม 2570" in emails[1].body_text
    assert _reasons(first)[-1] == "replaced by a new extension"


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (DEADLINE, "after the call's deadline"),
        (DEADLINE - timedelta(days=1), "after the call's deadline"),
        (DEADLINE + timedelta(days=61), "at most 60 days"),
    ],
)
def test_extension_grant_with_an_until_out_of_bounds_is_refused(until, message, settings):
    settings.LANGUAGE_CODE = "en"
    cohort = _cohort()
    draft = _complete_draft(cohort)
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as error:
        _grant(draft, until=until)

    assert message in " ".join(error.value.message_dict["until"])
    assert DeadlineExtension.objects.count() == 0
    assert not OutboundEmail.objects.filter(key__startswith="deadline-extended:").exists()


def test_extension_grant_after_until_has_passed_is_refused():
    cohort = _cohort()
    draft = _complete_draft(cohort)
    staff = _staff_of(cohort)

    with time_machine.travel(UNTIL + timedelta(minutes=1), tick=False), pytest.raises(ValidationError):
        _grant(draft, by=staff)
    assert DeadlineExtension.objects.count() == 0


@pytest.mark.parametrize("who", ["unrelated", "other_program_staff", "applicant"])
def test_extension_grant_by_anyone_but_the_programs_staff_is_refused(who):
    cohort = _cohort()
    draft = _complete_draft(cohort)
    by = {
        "unrelated": UserFactory,
        "other_program_staff": lambda: _staff_of(_cohort(program=ProgramFactory())),
        "applicant": lambda: draft.applicant,
    }[who]()

    with pytest.raises(PermissionDenied):
        _grant(draft, by=by)
    with pytest.raises(PermissionDenied):
        late_entry_link_create(cohort=cohort, email="late@example.org", until=UNTIL, reason="x", by=by)
    assert DeadlineExtension.objects.count() == 0


def test_extension_grant_racing_another_grant_says_so_and_changes_nothing(monkeypatch):
    from cohorts.services import extensions

    cohort = _cohort()
    draft = _complete_draft(cohort)
    first = _grant(draft)
    # The other grant committed after this one looked for it (as two staff members clicking at once).
    monkeypatch.setattr(extensions, "_active_locked", lambda **kwargs: None)

    with pytest.raises(ValidationError) as error:
        _grant(draft, until=UNTIL + timedelta(days=1))

    assert error.value.code == "concurrent"
    assert list(DeadlineExtension.objects.values_list("pk", flat=True)) == [first.pk]
    assert OutboundEmail.objects.filter(key__startswith="deadline-extended:").count() == 1


def test_extension_reason_has_a_limit():
    cohort = _cohort()
    draft = _complete_draft(cohort)

    with pytest.raises(ValidationError) as error:
        extension_grant(cohort=cohort, person=draft.applicant, until=UNTIL, reason="ก" * 501, by=_staff_of(cohort))
    assert "reason" in error.value.message_dict


# --- Late-entry links ---------------------------------------------------------------------------


def _link(cohort, email="Late.Comer@example.org", by=None):
    return late_entry_link_create(
        cohort=cohort, email=email, until=UNTIL, reason="เพิ่งทราบข่าว", by=by or _staff_of(cohort)
    )


def test_late_entry_link_is_emailed_and_lets_its_holder_start_and_submit_after_the_deadline():
    cohort = _cohort()
    TrackFactory(cohort=cohort)
    extension = _link(cohort)
    email = OutboundEmail.objects.get(key=f"late-entry-link:{extension.pk}")
    token = late_entry_token(extension)
    holder = UserFactory(email="late.comer@example.org")
    track = cohort.tracks.get()

    assert email.to == "Late.Comer@example.org"
    assert f"/late-entry/{token}/" in email.body_text
    with time_machine.travel(DEADLINE + timedelta(days=1), tick=False):
        bound = late_entry_link_open(token=token, user=holder)
        application = application_start(cohort=cohort, track=track, applicant=holder)
        with pytest.raises(ApplicationClosedError):
            application_start(cohort=cohort, track=track, applicant=UserFactory())

    assert (bound.pk, bound.person, bound.used_at) == (extension.pk, holder, DEADLINE + timedelta(days=1))
    assert application.status == ApplicationStatus.DRAFT
    assert _reasons(bound) == ["granted (late-entry link): เพิ่งทราบข่าว", "link emailed", "used"]


def test_late_entry_link_tampered_is_refused():
    cohort = _cohort()
    extension = _link(cohort)
    token = late_entry_token(extension)
    holder = UserFactory(email="late.comer@example.org")
    other_id = token.replace(f"{extension.pk}:", f"{extension.pk + 1}:", 1)

    for bad in (token[:-2] + "xx", other_id, "", "1:abc:def"):
        with pytest.raises(LateEntryRefused) as error:
            late_entry_link_open(token=bad, user=holder)
        assert error.value.code == "invalid"
    extension.refresh_from_db()
    assert extension.person is None


def test_late_entry_link_expired_is_refused():
    cohort = _cohort()
    extension = _link(cohort)
    holder = UserFactory(email="late.comer@example.org")

    with time_machine.travel(UNTIL, tick=False), pytest.raises(LateEntryRefused) as error:
        late_entry_link_open(token=late_entry_token(extension), user=holder)

    assert error.value.code == "expired"
    extension.refresh_from_db()
    assert extension.person is None


def test_late_entry_link_for_another_address_is_refused_and_changes_nothing():
    cohort = _cohort()
    extension = _link(cohort)
    stranger = UserFactory(email="someone.else@example.org")

    with pytest.raises(LateEntryRefused) as error:
        late_entry_link_open(token=late_entry_token(extension), user=stranger)

    assert error.value.code == "wrong_email"
    extension.refresh_from_db()
    assert (extension.person, extension.used_at) == (None, None)
    assert is_accepting_for(cohort=cohort, user=stranger, at=DEADLINE + timedelta(hours=1)) is False


def test_late_entry_link_for_an_address_added_but_not_confirmed_is_refused():
    from allauth.account.models import EmailAddress

    cohort = _cohort()
    extension = _link(cohort)
    someone = UserFactory(email="someone@example.org")
    EmailAddress.objects.create(user=someone, email="late.comer@example.org", verified=False, primary=False)

    with pytest.raises(LateEntryRefused) as error:
        late_entry_link_open(token=late_entry_token(extension), user=someone)

    assert error.value.code == "wrong_email"
    extension.refresh_from_db()
    assert extension.person is None


def test_late_entry_link_used_twice_is_harmless():
    cohort = _cohort()
    extension = _link(cohort)
    holder = UserFactory(email="late.comer@example.org")
    token = late_entry_token(extension)

    first = late_entry_link_open(token=token, user=holder)
    second = late_entry_link_open(token=token, user=holder)

    assert first.pk == second.pk
    assert DeadlineExtension.objects.filter(person=holder, revoked_at__isnull=True).count() == 1
    assert _reasons(second).count("used") == 1


def test_late_entry_link_revoked_is_refused():
    cohort = _cohort()
    staff = _staff_of(cohort)
    extension = _link(cohort, by=staff)
    extension_revoke(extension=extension, by=staff)

    with pytest.raises(LateEntryRefused) as error:
        late_entry_link_open(token=late_entry_token(extension), user=UserFactory(email="late.comer@example.org"))
    assert error.value.code == "invalid"


def test_late_entry_link_for_someone_with_a_longer_extension_keeps_the_longer_one():
    cohort = _cohort()
    draft = _complete_draft(cohort, applicant=UserFactory(email="late.comer@example.org"))
    longer = _grant(draft, until=UNTIL + timedelta(days=5))
    link = _link(cohort)

    kept = late_entry_link_open(token=late_entry_token(link), user=draft.applicant)

    link.refresh_from_db()
    assert kept.pk == longer.pk
    assert link.revoked_at is not None
    assert deadline_for(cohort=cohort, user=draft.applicant) == UNTIL + timedelta(days=5)


def test_superuser_may_grant_in_any_program():
    cohort = _cohort()
    draft = _complete_draft(cohort)

    extension = _grant(draft, by=SuperuserFactory())

    assert extension.granted_by.is_superuser


# --- Reminders ----------------------------------------------------------------------------------


def test_extended_draft_is_reminded_relative_to_its_own_deadline_once_per_offset():
    cohort = _cohort(reminder_offsets=[24, 3])
    extended, other = _complete_draft(cohort), _complete_draft(cohort)
    extension = _grant(extended)

    with time_machine.travel(DEADLINE - timedelta(hours=2), tick=False):
        reminders_plan()  # the call's 3 h window: only the other draft
    for _ in range(2):
        with time_machine.travel(UNTIL - timedelta(hours=20), tick=False):
            reminders_plan()  # their own 24 h window, twice
    with time_machine.travel(UNTIL - timedelta(hours=1), tick=False):
        reminders_plan()  # their own 3 h window

    keys = sorted(OutboundEmail.objects.filter(key__contains="reminder").values_list("key", flat=True))
    assert keys == sorted(
        [
            f"deadline-reminder:{other.pk}:3",
            f"extension-reminder:{extension.pk}:24",
            f"extension-reminder:{extension.pk}:3",
        ]
    )
    assert not DeadlineReminder.objects.filter(application=extended).exists()
    assert sorted(ExtensionReminder.objects.filter(extension=extension).values_list("offset_hours", flat=True)) == [
        3,
        24,
    ]
    reminder = OutboundEmail.objects.get(key=f"extension-reminder:{extension.pk}:3")
    assert (reminder.to, "18 มีนาคม 2570" in reminder.body_text) == (extended.applicant.email, True)


def test_revoked_or_submitted_extension_is_not_reminded():
    cohort = _cohort(reminder_offsets=[24])
    staff = _staff_of(cohort)
    revoked_draft, submitted = _complete_draft(cohort), _complete_draft(cohort)
    extension_revoke(extension=_grant(revoked_draft, by=staff), by=staff)
    _grant(submitted, by=staff)
    with time_machine.travel(DEADLINE + timedelta(hours=1), tick=False):
        application_submit(application=submitted, by=submitted.applicant)

    with time_machine.travel(UNTIL - timedelta(hours=20), tick=False):
        assert reminders_plan() == 0
    assert not OutboundEmail.objects.filter(key__startswith="extension-reminder:").exists()


# --- The person's data (PDPA) -------------------------------------------------------------------


def test_personal_data_lists_the_persons_extensions_and_erasure_blanks_what_staff_wrote():
    from cohorts.pdpa import anonymise, personal_data

    cohort = _cohort()
    draft = _complete_draft(cohort, applicant=UserFactory(email="mine@example.org"))
    mine = _grant(draft)
    unopened = _link(cohort, email="Mine@example.org")
    someone_elses = _link(cohort, email="other@example.org")

    sections = {section.key: section for section in personal_data(draft.applicant).sections}
    anonymise(draft.applicant)

    assert [row["id"] for row in sections["deadline_extensions"].rows] == [mine.pk]
    mine.refresh_from_db()
    assert (mine.email, mine.reason, mine.until) == ("", "", UNTIL)
    assert not DeadlineExtension.objects.filter(pk=unopened.pk).exists()
    assert DeadlineExtension.objects.get(pk=someone_elses.pk).email == "other@example.org"
    assert not DeadlineExtension.history.filter(reason__contains="ป่วย").exists()
