"""Pages: who sees what (status code and nothing leaked), bad input, flat query counts."""

import json
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.enums import VisitPhase
from coaching.tests.factories import MatchFactory, VisitFactory, leader_of
from cohorts.tests.factories import OrganisationFactory
from outcomes.enums import MeasurementSource
from outcomes.models import Measurement, Worksheet
from outcomes.tests.factories import MeasurementFactory, indicator

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "other_coach", "other_leader", "leader", "researcher", "other_staff", "staff", "coach"]


def _login(client, world, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))


def _detail_url(world, organisation=None):
    org = organisation or world.match.organisation
    return reverse("outcomes:organisation_detail", kwargs={"cohort_id": world.cohort.pk, "organisation_id": org.pk})


def _sheet_url(world, moment="after", number=2, name="worksheet"):
    return reverse(
        f"outcomes:{name}",
        kwargs={"cohort_id": world.cohort.pk, "organisation_id": world.match.organisation.pk, "moment": moment,
                "number": number},
    )  # fmt: skip


def _measure(world, code, value, day, organisation=None, source=MeasurementSource.STAFF):
    return MeasurementFactory(
        indicator=indicator(world.program, code), cohort=world.cohort,
        organisation=organisation or world.match.organisation, value=Decimal(value), measured_on=day, source=source,
    )  # fmt: skip


EXPECTED = {"detail": {"leader", "coach", "staff"}, "worksheet": {"leader", "coach"}}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pages_permission_matrix(client, world, who, name):
    _measure(world, "volunteers", "17", date(2026, 3, 1))
    url = _detail_url(world) if name == "detail" else _sheet_url(world)
    _login(client, world, who)

    response = client.get(url)

    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who in EXPECTED[name]:
        assert response.status_code == 200
        assert world.match.organisation.name in response.content.decode()
    else:
        assert response.status_code == 404
        assert world.match.organisation.name not in response.content.decode()


@pytest.mark.parametrize("who", WHO)
def test_index_lists_only_what_the_user_may_see(client, world, who):
    _login(client, world, who)
    response = client.get(reverse("outcomes:index"))
    if who == "anonymous":
        assert response.status_code == 302
        return
    body = response.content.decode()
    sees = who in EXPECTED["detail"]
    assert (world.match.organisation.name in body) is sees
    assert (world.other_match.organisation.name in body) is (who in {"staff", "other_leader", "other_coach"})


@pytest.mark.parametrize("who", WHO)
def test_worksheet_post_and_draft_permission_matrix(client, world, who):
    _login(client, world, who)
    response = client.post(
        _sheet_url(world),
        {"client_id": str(uuid.uuid4()), "measured_on": "2026-06-01", "ind_yearly_costs": "1000"},
        HTTP_ACCEPT="application/json",
    )
    draft = client.post(
        _sheet_url(world, name="worksheet_draft"), json.dumps({"draft": {"ind_volunteers": "3"}}),
        content_type="application/json",
    )  # fmt: skip
    if who in EXPECTED["worksheet"]:
        assert (response.status_code, draft.status_code) == (201, 200)
        assert Measurement.objects.filter(source=MeasurementSource.WORKSHEET_AFTER).count() == 1
    else:
        assert response.status_code == (302 if who == "anonymous" else 404)
        assert draft.status_code == (302 if who == "anonymous" else 404)
        assert not Measurement.objects.exists()
        assert not Worksheet.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"measured_on": "2026-13-40", "ind_yearly_costs": "1000"}, "measured_on"),
        ({"measured_on": "9999-01-01", "ind_yearly_costs": "1000"}, "measured_on"),
        ({"measured_on": "2026-06-01", "ind_grant_income_share": "150"}, "ind_grant_income_share"),
        ({"measured_on": "2026-06-01", "ind_yearly_costs": "12\x0034"}, "ind_yearly_costs"),
        ({"measured_on": "2026-06-01", "ind_yearly_costs": "1000", "note": "x" * 1001}, "note"),
        ({"measured_on": "2026-06-01", "ind_yearly_costs": "1000", "note": "a\x00b"}, "note"),
    ],
)
def test_bad_input_shows_on_the_form_and_changes_nothing(client, world, data, message):
    client.force_login(world.leader)
    response = client.post(_sheet_url(world), {"client_id": str(uuid.uuid4()), **data})
    assert response.status_code == 400
    assert message in response.context["form"].errors
    assert not Measurement.objects.exists()


def test_empty_worksheet_says_so(client, world):
    client.force_login(world.leader)
    response = client.post(_sheet_url(world), {"client_id": str(uuid.uuid4()), "measured_on": "2026-06-01"})
    assert response.status_code == 400
    assert response.context["error_list"]


def test_unknown_moment_or_workshop_is_404(client, world):
    client.force_login(world.leader)
    assert client.get(_sheet_url(world, moment="during", number=1)).status_code == 404
    assert client.get(_sheet_url(world, moment="after", number=4)).status_code == 404
    assert client.get(_sheet_url(world, moment="baseline", number=1)).status_code == 404


def test_visit_figures_are_not_asked_again(client, world):
    VisitFactory(
        match=world.match, phase=VisitPhase.FINANCE, costs=Decimal("90000"), beneficiaries=300,
        impact_unit_cost=Decimal("300"), visited_on=timezone.localdate(),
    )  # fmt: skip
    client.force_login(world.leader)
    response = client.get(_sheet_url(world))
    form = response.context["form"]
    assert "ind_yearly_costs" not in form.fields
    assert "ind_beneficiaries" not in form.fields
    assert "ind_impact_unit_cost" not in form.fields
    assert "ind_grant_income_share" in form.fields
    assert "90,000" in response.content.decode()


def _many(world, count):
    for n in range(count):
        org = OrganisationFactory(name=f"องค์กรที่ {n}")
        match = MatchFactory(cohort=world.cohort, coach=world.match.coach, organisation=org)
        leader_of(match)
        for code in ("volunteers", "paid_staff", "wellbeing"):
            _measure(world, code, "1", date(2026, 1, 1), organisation=org, source=MeasurementSource.BASELINE)
            _measure(world, code, "3", date(2026, 5, 1), organisation=org)
    for code in ("volunteers", "paid_staff", "wellbeing", "idea_stage", "vision_written"):
        _measure(world, code, "1", date(2026, 1, 1), source=MeasurementSource.BASELINE)
        _measure(world, code, "2" if code != "vision_written" else "1", date(2026, 5, 1))


@pytest.mark.parametrize("many", [False, True])
@pytest.mark.parametrize("who", ["coach", "staff", "leader"])
def test_pages_cost_the_same_queries_for_one_or_many(client, world, django_assert_num_queries, many, who):
    _measure(world, "volunteers", "5", date(2026, 1, 1))
    if many:
        _many(world, 6)
    client.force_login(getattr(world, who))
    client.get(reverse("outcomes:index"))  # session warm-up
    expected = {"coach": 4, "staff": 6, "leader": 4}[who]
    with django_assert_num_queries(expected):
        assert client.get(reverse("outcomes:index")).status_code == 200
    with django_assert_num_queries(expected + 7):
        assert client.get(_detail_url(world)).status_code == 200
