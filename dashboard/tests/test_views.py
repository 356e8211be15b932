import io
import zipfile

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from coaching.models import ResearcherAccess
from dashboard.models import ReportNarrative, ResearchDataGrant, ResearchExport
from dashboard.research import pseudonym
from dashboard.services import consent_give, consent_withdraw
from dashboard.tests.factories import build_world

pytestmark = pytest.mark.django_db


def _staff_urls(world):
    pk = world.cohort.pk
    return [
        reverse("dashboard:cohort", args=[pk]),
        reverse("dashboard:program", args=[world.program.pk]),
        reverse("dashboard:report", args=[pk]),
        reverse("dashboard:report_xlsx", args=[pk]),
        reverse("dashboard:narrative", args=[pk]),
    ]


def test_staff_pages_permission_matrix(client, world):
    org_name = world.organisations[0].name
    for url in _staff_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url  # anonymous: to the login page
        for user in (world.outsider, world.leaders[0], world.coaches[0].user, world.researcher, world.other_staff):
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 404, (url, user)
            assert org_name not in response.content.decode(errors="ignore")
        client.force_login(world.staff)
        assert client.get(url).status_code == 200, url
        client.logout()


def test_dashboard_index_lists_only_the_staff_members_programs(client, world):
    client.force_login(world.other_staff)
    body = client.get(reverse("dashboard:index")).content.decode()
    assert world.cohort.name not in body or world.program.name not in body
    client.force_login(world.staff)
    body = client.get(reverse("dashboard:index")).content.decode()
    assert reverse("dashboard:cohort", args=[world.cohort.pk]) in body
    assert reverse("dashboard:cohort", args=[world.other_cohort.pk]) not in body
    client.force_login(world.leaders[0])
    assert client.get(reverse("dashboard:index")).status_code == 404


def test_cohort_dashboard_links_each_figure_to_its_list(client, world):
    client.force_login(world.staff)
    body = client.get(reverse("dashboard:cohort", args=[world.cohort.pk])).content.decode()

    assert f"/admin/cohorts/application/?cohort={world.cohort.pk}&amp;status__exact=accepted" in body
    assert reverse("coaching:matching", args=[world.cohort.pk]) in body
    assert f"match__cohort__id__exact={world.cohort.pk}" in body
    assert 'id="chart-funnel" type="application/json"' in body
    assert "<script>" not in body  # data through json_script only, no inline script


def test_figure_links_open_their_lists(client, world):
    """The admin accepts the filters the dashboard's links use (no 400, no ?e=1)."""
    client.force_login(world.staff)
    pk = world.cohort.pk
    for url in (
        f"/admin/cohorts/application/?cohort={pk}&status__exact=accepted",
        f"/admin/cohorts/application/?cohort={pk}&status__in=submitted,accepted",
        f"/admin/cohorts/application/?cohort={pk}&organisation__region__exact=north",
        f"/admin/cohorts/reviewassignment/?cohort={pk}&state__exact=completed",
        f"/admin/coaching/actionitem/?match__cohort__id__exact={pk}&status__in=open,in_progress&due_on__lt=2026-06-01",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "?e=1" not in response.url if hasattr(response, "url") else True


def test_cohort_dashboard_query_count_is_the_same_for_one_and_many(client, django_assert_num_queries):
    for world in (build_world(organisations=1, seed=1), build_world(organisations=5, seed=2)):
        client.force_login(world.staff)
        url = reverse("dashboard:cohort", args=[world.cohort.pk])
        client.get(url)
        with django_assert_num_queries(19):
            assert client.get(url).status_code == 200


def test_program_page_query_count_is_the_same_for_one_and_many(client, django_assert_num_queries):
    for world in (build_world(organisations=1, seed=1), build_world(organisations=5, seed=2)):
        client.force_login(world.staff)
        url = reverse("dashboard:program", args=[world.program.pk])
        client.get(url)
        with django_assert_num_queries(11):
            assert client.get(url).status_code == 200


def test_narratives_are_saved_and_shown_in_the_report(client, world):
    client.force_login(world.staff)
    url = reverse("dashboard:narrative", args=[world.cohort.pk])
    response = client.post(url, {"selection": "คัดเลือกจากใบสมัคร ๔๒ ฉบับ", "outcomes": ""})
    assert response.status_code == 302
    report = client.get(reverse("dashboard:report", args=[world.cohort.pk])).content.decode()
    assert "คัดเลือกจากใบสมัคร ๔๒ ฉบับ" in report


@pytest.mark.parametrize("text", ["ก" * 3001, "ข้อความ\x00ที่มี NUL"])
def test_narrative_refuses_bad_text_with_a_message_and_changes_nothing(client, world, text):
    client.force_login(world.staff)
    response = client.post(reverse("dashboard:narrative", args=[world.cohort.pk]), {"selection": text})
    assert response.status_code == 200
    assert response.context["form"].errors["selection"]
    assert ReportNarrative.objects.count() == 0


def test_report_xlsx_has_one_sheet_per_table_with_formulas_escaped(client, world):
    world.organisations[0].name = '=HYPERLINK("http://x")'
    world.organisations[0].save()
    client.force_login(world.staff)
    response = client.get(reverse("dashboard:report_xlsx", args=[world.cohort.pk]))
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) >= 5
    cells = [c.value for row in book[book.sheetnames[3]].iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in cells


def test_showcase_is_public_and_shows_only_consented_organisations(client, world):
    first, second = world.entries
    url = reverse("dashboard:showcase", args=[world.cohort.slug])
    assert first.organisation.name not in client.get(url).content.decode()

    consent_give(entry=first, subject="organisation", by=world.leaders[0])
    body = client.get(url).content.decode()

    assert first.organisation.name in body
    assert second.organisation.name not in body
    assert world.leaders[0].email not in body
    assert world.coaches[0].user.full_name not in body
    assert 'property="og:title"' in body


def test_withdrawal_takes_the_showcase_down_at_once_despite_the_cache(client, world, django_assert_num_queries):
    entry = world.entries[0]
    url = reverse("dashboard:showcase", args=[world.cohort.slug])
    consent_give(entry=entry, subject="organisation", by=world.leaders[0])
    assert entry.organisation.name in client.get(url).content.decode()
    with django_assert_num_queries(1):  # cached: the cohort only
        client.get(url)

    consent_withdraw(entry=entry, subject="organisation", by=world.leaders[0])

    assert entry.organisation.name not in client.get(url).content.decode()


def test_consent_page_lets_only_the_leader_and_the_coach_consent(client, world):
    entry = world.entries[0]
    url = reverse("dashboard:consent_change", args=[entry.pk])
    for user in (world.leaders[1], world.outsider, world.staff, world.coaches[1].user):
        client.force_login(user)
        assert client.post(url, {"subject": "organisation", "action": "give"}).status_code == 404
        assert client.post(url, {"subject": "coach", "action": "give"}).status_code == 404
    assert entry.consents.count() == 0
    client.force_login(world.leaders[0])
    assert world.entries[1].organisation.name not in client.get(reverse("dashboard:consent_list")).content.decode()
    assert client.post(url, {"subject": "organisation", "action": "give"}).status_code == 302
    client.force_login(world.coaches[0].user)
    assert client.post(url, {"subject": "coach", "action": "give"}).status_code == 302
    assert sorted(entry.consents.values_list("subject", flat=True)) == ["coach", "organisation"]


def test_research_export_is_de_identified_and_logged(client, world):
    client.force_login(world.researcher)
    response = client.post(reverse("dashboard:research_export"), {"cohorts": [world.cohort.pk]})

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) >= {"organisations.csv", "visits.csv", "dataset.xlsx", "data-dictionary.md"}
    everything = b"".join(archive.read(name) for name in archive.namelist() if name.endswith((".csv", ".md")))
    text = everything.decode("utf-8")
    for person in (*world.leaders, *[c.user for c in world.coaches]):
        assert person.email not in text
        assert person.full_name not in text
    assert world.organisations[0].name not in text
    assert pseudonym("organisation", world.organisations[0].pk) in text
    assert "ทีมทดลองกลยุทธ์ใหม่ในชุมชน" not in text  # visit observations: free text, not granted
    log = ResearchExport.objects.get()
    assert (log.user, list(log.cohorts.all()), log.free_text) == (world.researcher, [world.cohort], False)
    assert log.tables["visits"] == 2


def test_research_export_includes_free_text_only_with_a_grant(client, world):
    access = ResearcherAccess.objects.get(user=world.researcher)
    ResearchDataGrant.objects.create(access=access, free_text=True)
    client.force_login(world.researcher)
    response = client.post(reverse("dashboard:research_export"), {"cohorts": [world.cohort.pk]})
    visits = zipfile.ZipFile(io.BytesIO(response.content)).read("visits.csv").decode("utf-8")
    assert "ทีมทดลองกลยุทธ์ใหม่ในชุมชน" in visits


def test_research_export_permission_matrix(client, world):
    url = reverse("dashboard:research_export")
    assert client.get(url).status_code == 302
    for user in (world.outsider, world.leaders[0], world.other_staff):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(world.researcher)
    # another cohort's id is not a choice: refused on the form, nothing exported or logged
    response = client.post(url, {"cohorts": [world.other_cohort.pk]})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert ResearchExport.objects.count() == 0


def test_showcase_in_english_shows_the_english_story(client, world):
    entry = world.entries[0]
    entry.story_en = "Organic coffee raises the members' income"
    entry.save()
    consent_give(entry=entry, subject="organisation", by=world.leaders[0])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("dashboard:showcase", args=[world.cohort.slug]), HTTP_ACCEPT_LANGUAGE="en").content
    assert "Organic coffee raises the members" in body.decode()


def test_showcase_photo_is_served_only_while_the_consent_stands(client, world, settings, tmp_path):
    from django.core.files.base import ContentFile

    from coaching.models import VisitPhoto
    from coaching.tests.factories import jpeg_bytes

    settings.MEDIA_ROOT = tmp_path
    entry = world.entries[0]
    visit = world.matches[0].visits.first()
    photo = VisitPhoto(visit=visit)
    photo.image.save("p.jpg", ContentFile(jpeg_bytes(size=(40, 30))), save=True)
    entry.photo = photo
    entry.save()
    url = reverse("dashboard:showcase_photo", args=[world.cohort.slug, entry.pk])
    assert client.get(url).status_code == 404  # no consent yet

    consent_give(entry=entry, subject="organisation", by=world.leaders[0])
    assert client.get(url).status_code == 200
    assert url in client.get(reverse("dashboard:showcase", args=[world.cohort.slug])).content.decode()

    consent_withdraw(entry=entry, subject="organisation", by=world.leaders[0])
    assert client.get(url).status_code == 404


def test_showcase_admin_offers_only_the_staff_members_cohorts(client, world):
    from dashboard.models import ShowcaseEntry

    ShowcaseEntry.objects.create(
        cohort=world.other_cohort, organisation=world.organisations[0], story="เรื่องของอีกโปรแกรมหนึ่ง"
    )
    client.force_login(world.staff)
    body = client.get(reverse("admin:dashboard_showcaseentry_changelist")).content.decode()
    assert f"?cohort={world.cohort.pk}" in body
    assert f"?cohort={world.other_cohort.pk}" not in body
    assert world.other_cohort.program.display_name not in body
    assert "เรื่องของอีกโปรแกรมหนึ่ง" not in body
    client.force_login(world.other_staff)
    assert (
        world.organisations[1].name
        not in client.get(reverse("admin:dashboard_showcaseentry_changelist")).content.decode()
    )


def test_outcome_figure_opens_the_change_per_organisation(client, world):
    from outcomes.tests.factories import indicator

    beneficiaries = indicator(world.program, "beneficiaries")
    url = reverse("dashboard:outcome_changes", args=[world.cohort.pk, beneficiaries.pk])
    client.force_login(world.staff)
    body = client.get(reverse("dashboard:cohort", args=[world.cohort.pk])).content.decode()
    assert url in body
    page = client.get(url)
    assert page.status_code == 200
    assert [c.organisation for c in page.context["row"].changes] == world.organisations
    client.force_login(world.other_staff)
    assert client.get(url).status_code == 404
    client.force_login(world.staff)
    other = indicator(world.program, "volunteers")  # no measurement in the cohort
    assert client.get(reverse("dashboard:outcome_changes", args=[world.cohort.pk, other.pk])).status_code == 404


def test_overdue_actions_link_lists_only_that_cohorts_actions(client, world):
    from coaching.tests.factories import ActionFactory, MatchFactory

    other_match = MatchFactory(cohort=world.other_cohort)
    ActionFactory(match=other_match, title="งานของโครงการอื่น")
    url = f"/admin/coaching/actionitem/?match__cohort__id__exact={world.cohort.pk}&status__in=open,in_progress"
    client.force_login(world.staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    client.force_login(world.other_staff)  # another program's staff: nothing of this cohort
    assert client.get(url).context["cl"].result_count == 0
