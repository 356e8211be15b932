"""Nothing typed is lost when the session ends while the applicant is writing (Chromium, phone).

The applicant writes a long answer, logs out in another tab, then presses "Save draft": the
page says the session has ended and keeps the text; after logging in again the text is back
in the form, and saving it stores it. Also: the live character count under a long answer.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cohorts.models import Application
from cohorts.tests.factories import ApplicationFactory, CohortFactory, TrackFactory
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

LONG_ANSWER = "องค์กรของเราทำงานกับเยาวชนในชุมชนชายฝั่งมาแปดปี " * 12


def log_in(page, email: str) -> None:
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_text_typed_before_the_session_ended_comes_back_after_logging_in(page):
    applicant = UserFactory(email="ratana@example.org")
    cohort = CohortFactory()
    application = ApplicationFactory(cohort=cohort, track=TrackFactory(cohort=cohort), applicant=applicant)
    edit_url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})

    page.goto(edit_url)
    log_in(page, applicant.email)
    page.wait_for_url(f"**{edit_url}")
    page.fill("textarea[name=motivation]", LONG_ANSWER)

    # The session ends elsewhere (another tab logs out).
    other = page.context.new_page()
    other.goto("/accounts/logout/")
    with other.expect_navigation():
        other.locator("main form button[type=submit]").click()
    other.close()  # only once the logout has landed: closing a page mid-navigation can hang

    page.get_by_test_id("save-draft").click()
    notice = page.get_by_test_id("keep-form-notice")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("data-keep-form-state", "ended")
    expect(page.locator("textarea[name=motivation]")).to_have_value(LONG_ANSWER)
    assert Application.objects.get(pk=application.pk).motivation != LONG_ANSWER.strip()

    # Log in again from the notice: the text comes back into the form.
    page.get_by_test_id("keep-form-login").click()
    log_in(page, applicant.email)
    page.wait_for_url(f"**{edit_url}")
    expect(page.locator("textarea[name=motivation]")).to_have_value(LONG_ANSWER)
    expect(page.get_by_test_id("keep-form-notice")).to_have_attribute("data-keep-form-state", "restored")

    # Saving it stores it, and the browser's copy is let go.
    page.get_by_test_id("save-draft").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("keep-form-notice")).to_be_hidden()
    assert Application.objects.get(pk=application.pk).motivation == LONG_ANSWER.strip()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('keep-form:')).length") == 0


def test_long_answer_shows_its_limit_and_a_live_count(page):
    applicant = UserFactory(email="somsak@example.org")
    cohort = CohortFactory()
    application = ApplicationFactory(cohort=cohort, track=TrackFactory(cohort=cohort), applicant=applicant)
    edit_url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})
    page.goto(edit_url)
    log_in(page, applicant.email)
    page.wait_for_url(f"**{edit_url}")

    box = page.locator("textarea[name=expectations]")
    box.fill("ก" * 2100)  # past the 2,000-character limit: nothing is cut

    expect(box).to_have_value("ก" * 2100)
    count = page.get_by_test_id("char-count-expectations")
    expect(count).to_contain_text("2,100")
    expect(count).to_contain_text("2,000")
    expect(count).to_have_class(re.compile("text-danger"))
    page.get_by_test_id("save-draft").click()
    expect(page.locator("#div_id_expectations .invalid-feedback")).to_contain_text("2000")
    expect(box).to_have_value("ก" * 2100)


def test_form_sent_after_the_session_ended_lands_on_a_login_page_that_says_so(page):
    """The session check cannot answer (offline for a moment): the form is sent, the server
    sends it to the login page, which says the text is kept; after logging in it is back."""
    applicant = UserFactory(email="malee@example.org")
    cohort = CohortFactory()
    application = ApplicationFactory(cohort=cohort, track=TrackFactory(cohort=cohort), applicant=applicant)
    edit_url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})
    page.goto(edit_url)
    log_in(page, applicant.email)
    page.wait_for_url(f"**{edit_url}")
    page.fill("textarea[name=motivation]", LONG_ANSWER)
    cookies = [cookie for cookie in page.context.cookies() if cookie["name"] != "sessionid"]
    page.context.clear_cookies()  # the session is gone (the CSRF cookie stays)
    page.context.add_cookies(cookies)
    page.route("**/session/", lambda route: route.abort())

    page.get_by_test_id("save-draft").click()

    page.wait_for_url("**/accounts/login/**")
    expect(page.get_by_test_id("keep-form-login-notice")).to_be_visible()
    log_in(page, applicant.email)
    page.wait_for_url(f"**{edit_url}")
    expect(page.locator("textarea[name=motivation]")).to_have_value(LONG_ANSWER)
    expect(page.get_by_test_id("keep-form-notice")).to_have_attribute("data-keep-form-state", "restored")
