"""The home page lists the calls open now (cohorts provides them to the project's home)."""

import pytest
from django.urls import reverse

from cohorts.enums import CohortStatus
from cohorts.tests.factories import CohortFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "listed"), [(CohortStatus.OPEN, True), (CohortStatus.DRAFT, False), (CohortStatus.CLOSED, False)]
)
def test_home_lists_only_the_calls_open_now(client, status, listed):
    CohortFactory(name="รุ่นทดสอบหน้าแรก", status=status)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert ("รุ่นทดสอบหน้าแรก" in response.content.decode()) is listed


@pytest.mark.parametrize("calls", [1, 8])
def test_home_reads_the_open_calls_in_one_query(client, django_assert_num_queries, calls):
    CohortFactory.create_batch(calls)

    with django_assert_num_queries(1):
        response = client.get(reverse("home"))

    assert response.status_code == 200
