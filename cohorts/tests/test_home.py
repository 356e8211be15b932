"""The home page lists the calls open now (cohorts provides them to the project's home)."""

import pytest
from django.urls import reverse

from cohorts.enums import CohortStatus
from cohorts.tests.factories import CohortFactory

pytestmark = pytest.mark.django_db


def test_home_lists_open_calls_and_hides_the_others(client):
    CohortFactory(name="รุ่นเปิดรับ")
    CohortFactory(name="รุ่นร่าง", status=CohortStatus.DRAFT)
    CohortFactory(name="รุ่นปิดรับ", status=CohortStatus.CLOSED)

    response = client.get(reverse("home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "รุ่นเปิดรับ" in body
    assert "รุ่นร่าง" not in body
    assert "รุ่นปิดรับ" not in body


@pytest.mark.parametrize("calls", [1, 8])
def test_home_reads_the_open_calls_in_one_query(client, django_assert_num_queries, calls):
    CohortFactory.create_batch(calls)

    with django_assert_num_queries(1):
        response = client.get(reverse("home"))

    assert response.status_code == 200
