"""Browser journey of program staff in the coaching admin (issue 12, items 7 and 17), on a
laptop: open a pair's page from the admin, save a coach profile that also belongs to another
program's cohort (which stays), and end a pair with a reason through the admin action."""

import re

import pytest
from playwright.sync_api import expect

from coaching.enums import MatchStatus
from coaching.models import CoachProfile
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, ProgramFactory
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_program_staff_open_a_pair_keep_other_cohorts_and_end_the_pair(page, world):
    staff = UserFactory(full_name="กิตติ ทีมโครงการ")
    staff_grant_program_role(user=staff, program=world.program)
    other_cohort = CohortFactory(program=ProgramFactory())
    profile = CoachProfile.objects.get(user=world.coach)
    profile.cohorts.add(other_cohort)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/accounts/login/")
    page.fill("input[name=login]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))

    # The coach profile saved as it is rendered keeps the other program's cohort.
    page.goto(f"/admin/coaching/coachprofile/{profile.pk}/change/")
    page.fill("input[name=employer]", "ธนาคารเพื่อสังคม")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert set(profile.cohorts.values_list("pk", flat=True)) == {world.cohort.pk, other_cohort.pk}

    # From the admin's list of pairs to the pair's page.
    page.goto("/admin/coaching/match/")
    page.locator(f"a[href='/coaching/pairs/{world.match.pk}/']").first.click()
    expect(page.get_by_test_id("pair-title")).to_have_text(world.match.organisation.name)

    # End the pair from the admin, with a reason.
    page.goto("/admin/coaching/match/")
    page.locator(f"input[name=_selected_action][value='{world.match.pk}']").check()
    page.select_option("select[name=action]", "end_matches")
    page.locator("button[name=index]").click()
    page.fill("textarea[name=reason]", "องค์กรขอพักการเข้าร่วมโครงการ")
    page.locator("input[type=submit].default").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    world.match.refresh_from_db()
    assert (world.match.status, world.match.ended_reason) == (MatchStatus.ENDED, "องค์กรขอพักการเข้าร่วมโครงการ")
