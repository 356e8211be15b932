"""Setting a call's phases up in the Cohort admin: the phase inline and the rubric's phase
column, validated (dates in order, order unique, a criterion's phase of the same call; a clear
message and nothing saved), program-scoped, with a flat query count."""

import pytest
from django.urls import reverse

from cohorts.models import Criterion, Phase
from cohorts.tests.factories import CohortFactory, CriterionFactory, PhaseFactory, ProgramFactory
from cohorts.tests.test_admin import program_staff_of
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    return {
        "cohort": cohort,
        "staff": program_staff_of(program),
        "url": reverse("admin:cohorts_cohort_change", args=[cohort.pk]),
    }


def _change_form_data(client, url):
    """What the change page posts as it stands: every field of the form and of each inline's
    forms (dates split as the admin's widgets split them), and the management forms."""
    page = client.get(url)
    assert page.status_code == 200
    forms = [page.context["adminform"].form]
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        forms += list(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            widget = getattr(field.widget, "widget", field.widget)
            if hasattr(widget, "widgets"):
                for index, part in enumerate(widget.decompress(value)):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
            elif value is None or value is False:
                continue
            elif value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [getattr(item, "pk", item) for item in value]
            else:
                data[bound.html_name] = getattr(value, "pk", value)
    return data


def _phase(index, **overrides):
    data = {
        "order": str(index + 1),
        "kind": "review",
        "name": f"รอบที่ {index + 1}",
        "name_en": f"Round {index + 1}",
        "description": "ผู้พิจารณาอ่านใบสมัคร",
        "description_en": "",
        "starts_at_0": "2027-02-01",
        "starts_at_1": "09:00",
        "review_deadline_0": "2027-02-10",
        "review_deadline_1": "17:00",
        "ends_at_0": "2027-02-15",
        "ends_at_1": "17:00",
        "reviewers_per_application": "2",
        "max_reviews_per_reviewer": "",
        "reminder_days": "[3, 1]",
        "booking_cutoff_hours": "24",
    }
    data.update(overrides)
    return {f"phases-{index}-{key}": value for key, value in data.items()}


def _post_phases(client, setup, *phases):
    client.force_login(setup["staff"])
    data = _change_form_data(client, setup["url"])
    data["phases-TOTAL_FORMS"] = str(len(phases))
    for phase in phases:
        data.update(phase)
    return client.post(setup["url"], data)


def test_program_staff_add_phases_with_reviewers(client, setup):
    reviewer = UserFactory()

    response = _post_phases(
        client, setup, _phase(0, kind="screening", reviewers=[reviewer.pk], is_blind="on"), _phase(1)
    )

    assert response.status_code == 302, _all_errors(response)
    phases = list(setup["cohort"].phases.order_by("order"))
    assert [(phase.order, phase.kind, phase.is_blind) for phase in phases] == [
        (1, "screening", True),
        (2, "review", False),
    ]
    assert list(phases[0].reviewers.all()) == [reviewer]
    assert phases[0].reminder_days == [3, 1]


def _all_errors(response):
    return response.context["adminform"].form.errors, [
        (inline.formset.prefix, inline.formset.errors, inline.formset.non_form_errors())
        for inline in response.context["inline_admin_formsets"]
    ]


def _inline_errors(response, prefix="phases"):
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return [form.errors for form in inline.formset.forms], inline.formset.non_form_errors()
    raise AssertionError(prefix)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at_0": "2027-01-15"}, "ends_at"),
        ({"review_deadline_0": "2027-01-20"}, "review_deadline"),
        ({"review_deadline_0": "2027-03-01"}, "review_deadline"),
        ({"reminder_days": "[3, -1]"}, "reminder_days"),
        ({"reminder_days": '"soon"'}, "reminder_days"),
        ({"starts_at_0": "2027-02-30"}, "starts_at"),
    ],
)
def test_phase_dates_out_of_order_are_refused_with_a_message(client, setup, overrides, field):
    response = _post_phases(client, setup, _phase(0, **overrides))

    assert response.status_code == 200
    errors, _non_form = _inline_errors(response)
    assert field in errors[0]
    assert not Phase.objects.filter(cohort=setup["cohort"]).exists()


def test_two_phases_with_the_same_order_are_refused(client, setup):
    response = _post_phases(client, setup, _phase(0), _phase(1, order="1"))

    assert response.status_code == 200
    errors, non_form = _inline_errors(response)
    assert non_form or any(errors)
    assert not Phase.objects.filter(cohort=setup["cohort"]).exists()


def test_a_new_phase_with_the_order_of_a_saved_one_is_refused(client, setup):
    PhaseFactory(cohort=setup["cohort"], order=1)
    client.force_login(setup["staff"])
    data = _change_form_data(client, setup["url"])
    data.update(_phase(1, order="1"))
    data["phases-TOTAL_FORMS"] = "2"

    response = client.post(setup["url"], data)

    assert response.status_code == 200
    assert setup["cohort"].phases.count() == 1


def _criterion_data(client, setup, phase):
    client.force_login(setup["staff"])
    data = _change_form_data(client, setup["url"])
    data.update(
        {
            "criteria-TOTAL_FORMS": "1",
            "criteria-0-phase": phase.pk,
            "criteria-0-order": "1",
            "criteria-0-name": "ความชัดเจนของปัญหา",
            "criteria-0-weight": "1",
            "criteria-0-min_score": "1",
            "criteria-0-max_score": "5",
            "criteria-0-cohort": setup["cohort"].pk,
        }
    )
    return data


def test_a_criterion_takes_a_phase_of_its_call(client, setup):
    phase = PhaseFactory(cohort=setup["cohort"], order=1)
    data = _criterion_data(client, setup, phase)

    response = client.post(setup["url"], data)

    assert response.status_code == 302, _all_errors(response)
    assert Criterion.objects.get(cohort=setup["cohort"]).phase == phase


def test_a_criterion_refuses_a_phase_of_another_call(client, setup):
    PhaseFactory(cohort=setup["cohort"], order=1)
    foreign = PhaseFactory(cohort=CohortFactory(program=setup["cohort"].program), order=1)
    data = _criterion_data(client, setup, foreign)

    response = client.post(setup["url"], data)

    assert response.status_code == 200
    errors, _non_form = _inline_errors(response, prefix="criteria")
    assert "phase" in errors[0]
    assert not Criterion.objects.filter(cohort=setup["cohort"]).exists()


def test_phase_inline_is_offered_to_program_staff_only_for_their_calls(client, setup):
    other_staff = program_staff_of(ProgramFactory())
    client.force_login(other_staff)

    response = client.get(setup["url"])

    assert response.status_code == 302  # the admin sends them away: not found


def test_cohort_changelist_links_the_selection_page(client, setup):
    client.force_login(setup["staff"])

    response = client.get(reverse("admin:cohorts_cohort_changelist"))

    assert reverse("cohorts:selection", kwargs={"pk": setup["cohort"].pk}) in response.content.decode()


@pytest.mark.parametrize("rows", [1, 5])
def test_cohort_change_view_query_count_is_flat_in_phases(client, setup, django_assert_num_queries, rows):
    reviewers = [UserFactory() for _ in range(3)]
    for order in range(1, rows + 1):
        phase = PhaseFactory(cohort=setup["cohort"], order=order)
        phase.reviewers.set(reviewers[: 1 + order % 3])
        CriterionFactory(cohort=setup["cohort"], phase=phase)
    client.force_login(setup["staff"])

    with django_assert_num_queries(17):
        response = client.get(setup["url"])

    assert response.status_code == 200
    assert response.content.decode().count("phases-") > rows


def test_program_staff_find_reviewers_for_a_phase_by_name(client, setup):
    UserFactory(full_name="ประภาพร ผู้พิจารณา", email="praphaporn@example.org")
    client.force_login(setup["staff"])

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cohorts", "model_name": "phase", "field_name": "reviewers", "term": "ประภาพร"},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["ประภาพร ผู้พิจารณา (praphaporn@example.org)"]
