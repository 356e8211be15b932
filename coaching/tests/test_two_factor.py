"""Two-factor login for everyone who sees other people's data: superusers, program staff,
reviewers, researchers and coaches (each app registers its roles with the core). Each has
MFA_GRACE_DAYS, with a banner counting down; after that every page but the account pages asks
for enrolment first, the admin included; an enrolled person's login (the admin's too) needs the
code, and wrong codes are rate-limited as wrong passwords are."""

import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coaching.models import ResearcherAccess
from coaching.tests.factories import CoachProfileFactory
from cohorts.services.reviews import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, PhaseFactory, ReviewAssignmentFactory, SubmittedApplicationFactory
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, SuperuserFactory, UserFactory
from incubator.tests.thai import english_words
from incubator.two_factor import two_factor_required

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mfa_grace")]

KINDS = ["superuser", "program_staff", "reviewer", "phase_reviewer", "researcher", "coach"]
ACTIVATE = "/accounts/2fa/totp/activate/"


def make(kind: str):
    if kind == "superuser":
        return SuperuserFactory()
    user = UserFactory()
    cohort = CohortFactory()
    if kind == "program_staff":
        staff_grant_program_role(user=user, program=cohort.program)
    elif kind == "reviewer":
        ReviewAssignmentFactory(application=SubmittedApplicationFactory(cohort=cohort), reviewer=user)
    elif kind == "phase_reviewer":  # named among a phase's reviewers, before the first assignment
        PhaseFactory(cohort=cohort).reviewers.add(user)
    elif kind == "researcher":
        ResearcherAccess.objects.create(user=user, cohort=cohort, granted_by=SuperuserFactory())
    elif kind == "coach":
        CoachProfileFactory(user=user, cohorts=[cohort])
    return user


@pytest.fixture
def mfa_grace(settings):
    """The grace period as deployed (the suite's default is longer; see the root conftest)."""
    settings.MFA_GRACE_DAYS = 7


def code_now(secret: str, *, margin: float = 2) -> str:
    """The authenticator app's code now; with `margin`, waits for the next 30-second period
    when this one ends sooner (a browser needs time to send it)."""
    left = 30 - timezone.now().timestamp() % 30
    if left < margin:
        time.sleep(left + 0.1)
    counter = int(timezone.now().timestamp()) // 30
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_person_who_sees_others_data_must_enrol(kind):
    assert two_factor_required(make(kind)) is True


def test_an_applicant_is_not_asked():
    applicant = SubmittedApplicationFactory().applicant

    assert two_factor_required(applicant) is False


@pytest.mark.parametrize("kind", KINDS)
def test_the_banner_counts_down_the_grace_period(english, kind):
    english.force_login(make(kind))

    first = english.get("/")
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=1)):
        last_day = english.get("/")

    assert first.status_code == 200
    assert "turn it on within 7 days" in first.content.decode()
    assert "turn it on within 1 day." in last_day.content.decode()


def test_an_applicant_sees_no_banner(english):
    english.force_login(SubmittedApplicationFactory().applicant)

    assert b"two-factor-banner" not in english.get("/").content


@pytest.mark.parametrize("kind", KINDS)
def test_after_the_grace_every_page_asks_for_enrolment_first(client, kind):
    user = make(kind)
    client.force_login(user)
    pages = ["/", reverse("admin:index"), reverse("coaching:workspace"), reverse("cohorts:review_list")]

    with time_machine.travel(timezone.now() + timedelta(days=settings.MFA_GRACE_DAYS, minutes=1)):
        answers = {page: client.get(page) for page in pages}
        enrol = client.get(ACTIVATE)  # asks for the password again first (allauth), then enrols

    for page, response in answers.items():
        assert response.status_code == 302, page
        assert response["Location"].startswith(ACTIVATE + "?next="), page
    assert enrol["Location"].startswith(reverse("account_reauthenticate"))


@pytest.mark.parametrize("kind", KINDS)
def test_once_enrolled_nothing_is_asked(client, kind):
    user = make(kind)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)

    with time_machine.travel(timezone.now() + timedelta(days=30)):
        response = client.get("/")

    assert response.status_code == 200
    assert b"two-factor-banner" not in response.content


def test_enrolling_lifts_the_redirect_and_sends_a_thai_notice(client, django_capture_on_commit_callbacks):
    user = make("program_staff")
    client.force_login(user)  # the grace period starts
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        login = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        assert client.get(login["Location"])["Location"].startswith(ACTIVATE)
        # allauth asks for the password again before an authenticator is added
        assert client.get(ACTIVATE)["Location"].startswith(reverse("account_reauthenticate"))
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        page = client.get(ACTIVATE)
        assert page.status_code == 200, page.get("Location")
        secret = client.session["mfa.totp.secret"]
        with django_capture_on_commit_callbacks(execute=True):
            activated = client.post(ACTIVATE, {"code": code_now(secret)})
        admin = client.get(reverse("admin:index"))

    assert activated.status_code == 302
    assert admin.status_code == 200
    notice = OutboundEmail.objects.get(to=user.email, key__startswith="account:totp_activated")
    assert notice.language == "th"
    assert notice.subject == "เปิดใช้แอปยืนยันตัวตนแล้ว"
    assert english_words(notice.body_text.replace("<", "&lt;")) == []


def test_the_admin_login_asks_for_the_code_and_refuses_the_admin_without_it(client):
    user = make("program_staff")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)

    login = client.post(reverse("account_login") + "?next=/admin/", {"login": user.email, "password": PASSWORD})
    admin_before = client.get(reverse("admin:index"))
    code = client.post(reverse("mfa_authenticate"), {"code": code_now(secret)})
    admin_after = client.get(reverse("admin:index"))

    assert login["Location"] == reverse("mfa_authenticate")
    assert admin_before.status_code == 302
    assert admin_before["Location"].startswith(reverse("admin:login"))
    assert code.status_code == 302
    assert admin_after.status_code == 200


def test_wrong_codes_are_rate_limited_like_wrong_passwords(english):
    user = make("reviewer")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    english.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    wrong = [english.post(reverse("mfa_authenticate"), {"code": "000000"}) for _ in range(6)]
    right = english.post(reverse("mfa_authenticate"), {"code": code_now(secret)})

    assert [b"Incorrect code" in r.content for r in wrong] == [True] * 5 + [False]
    assert b"Too many failed login attempts" in wrong[5].content
    assert right.status_code == 200
    assert b"Too many failed login attempts" in right.content
    assert english.get(reverse("admin:index")).status_code == 302


def test_two_factor_pages_and_the_access_log_in_thai_show_no_english(client):
    from incubator.audit import access_log_record
    from incubator.tests.thai import admin_pages, english_words, walk_in_thai

    coach, superuser = make("coach"), make("superuser")
    for person, name in ((coach, "มาลี ศรีสุข"), (superuser, "ศิริพร ผู้ดูแล")):
        person.full_name = name
        person.save(update_fields=["full_name"])
    access_log_record(user=superuser, action="view", target="cohorts.application", target_id=1)
    pages = [(coach, "/"), (coach, reverse("mfa_index")), (superuser, reverse("admin:index"))]
    found = walk_in_thai(client, pages)
    found.update(walk_in_thai(client, [p for p in admin_pages("incubator", superuser) if "accesslog" in p[1]]))

    client.force_login(coach)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    activate = client.get(ACTIVATE).content.decode().replace(client.session["mfa.totp.secret"], "")
    client.logout()
    TOTP.activate(coach, generate_totp_secret())
    client.post(reverse("account_login"), {"login": coach.email, "password": PASSWORD})
    authenticate = client.get(reverse("mfa_authenticate")).content.decode()

    assert found == {}
    assert english_words(activate) == []
    assert english_words(authenticate) == []
