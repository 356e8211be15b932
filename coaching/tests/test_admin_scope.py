"""Program scope and data integrity in the coaching admin (issue 12, items 6-8): a milestone
of another program is neither accepted nor named, a coach's cohorts of another program
survive a save, an action added on the visit page belongs to the visit's pair; and, for every
scoped admin, what its forms point at has a program scope and what its inlines show can be added."""

import pytest
from django import forms
from django.contrib import admin as django_admin
from django.core import checks
from django.urls import reverse

from coaching.enums import ActionOwner, ActionStatus
from coaching.models import ActionItem, CoachProfile, Milestone, Visit
from coaching.tests.factories import MatchFactory, PlanFactory
from cohorts import access
from cohorts.access import ProgramScopedAdmin
from cohorts.services.staff import program_staff_group, staff_grant_program_role
from cohorts.tests.factories import CohortFactory, ProgramFactory
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

FOREIGN_TITLE = "หลักชัยลับของโครงการอื่น"


def program_staff_of(program):
    user = UserFactory()
    staff_grant_program_role(user=user, program=program)
    return user


def form_data(client, url):
    """What the change page posts when saved as it is rendered: the form's and every inline
    form's initial values, and the management forms."""
    page = client.get(url)
    assert page.status_code == 200
    data = {}

    def put(prefix, form):
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form.initial.get(name, field.initial)
            if callable(value):
                value = value()
            if value is None or value is False:
                continue
            key = f"{prefix}-{name}" if prefix else name
            if isinstance(field, forms.JSONField):
                data[key] = field.prepare_value(value)
            elif isinstance(value, list | tuple):
                # a select renders (and a browser posts) only the choices it offers
                offered = set(field.queryset.values_list("pk", flat=True))
                data[key] = [pk for pk in (getattr(item, "pk", item) for item in value) if pk in offered]
            else:
                data[key] = getattr(value, "pk", value)

    put("", page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for form in formset.initial_forms:
            put(form.prefix, form)
    return data


@pytest.fixture
def foreign_milestone(world):
    other_match = MatchFactory(cohort=CohortFactory(program=ProgramFactory()))
    return Milestone.objects.create(plan=PlanFactory(match=other_match), title=FOREIGN_TITLE, due_on="2027-01-15")


# Item 6: a model reached through a raw-id field has a program scope ----------------------------


@pytest.mark.parametrize("who", ["program_staff", "superuser"])
def test_visit_admin_refuses_a_milestone_of_another_program_and_does_not_name_it(client, world, foreign_milestone, who):
    user = program_staff_of(world.program) if who == "program_staff" else SuperuserFactory()
    client.force_login(user)
    url = reverse("admin:coaching_visit_change", args=[world.visit.pk])
    data = form_data(client, url)

    response = client.post(url, {**data, "milestone": foreign_milestone.pk})

    assert response.status_code == 200
    assert "milestone" in response.context["adminform"].form.errors
    world.visit.refresh_from_db()
    assert world.visit.milestone_id is None
    if who == "program_staff":
        assert FOREIGN_TITLE not in response.content.decode()


def test_visit_admin_accepts_a_milestone_of_the_visits_own_pair(client, world):
    own = Milestone.objects.create(plan=world.plan, title="ทดลองขายรอบแรก", due_on="2027-01-15")
    client.force_login(program_staff_of(world.program))
    url = reverse("admin:coaching_visit_change", args=[world.visit.pk])

    response = client.post(url, {**form_data(client, url), "milestone": own.pk})

    assert response.status_code == 302
    world.visit.refresh_from_db()
    assert world.visit.milestone_id == own.pk
    assert "ทดลองขายรอบแรก" in client.get(url).content.decode()


def test_visit_admin_refuses_a_milestone_of_another_pair_of_the_same_program(client, world):
    other_pairs = Milestone.objects.create(plan=PlanFactory(match=world.other_match), title="x", due_on="2027-01-15")
    client.force_login(program_staff_of(world.program))
    url = reverse("admin:coaching_visit_change", args=[world.visit.pk])

    response = client.post(url, {**form_data(client, url), "milestone": other_pairs.pk})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["milestone"] == ["หมุดหมายนี้เป็นของคู่อื่น"]


def test_every_model_a_scoped_admin_points_at_has_a_program_scope():
    errors = [error for error in checks.run_checks() if error.id in ("cohorts.E002", "cohorts.E003")]

    assert errors == []


def test_the_check_names_a_related_model_without_a_program_scope():
    scope = access._PROGRAM_SCOPES.pop(Milestone)
    try:
        errors = django_admin.site.get_model_admin(Visit).check()
    finally:
        access.register_program_scope(Milestone, scope)

    assert [error.id for error in errors] == ["cohorts.E003"]
    assert "Visit.milestone points at Milestone" in errors[0].msg


# Item 7: a scoped many-to-many field keeps the values the user cannot see ---------------------


def test_saving_a_coach_profile_keeps_the_cohorts_of_other_programs(client, world):
    other_cohort = CohortFactory(program=ProgramFactory(), name="รุ่นของโครงการอื่น")
    profile = CoachProfile.objects.get(user=world.coach)
    profile.cohorts.add(other_cohort)
    client.force_login(program_staff_of(world.program))
    url = reverse("admin:coaching_coachprofile_change", args=[profile.pk])
    page = client.get(url).content.decode()
    data = form_data(client, url)

    response = client.post(url, {**data, "employer": "บริษัทใหม่"})

    assert response.status_code == 302
    assert "รุ่นของโครงการอื่น" not in page
    assert set(profile.cohorts.values_list("pk", flat=True)) == {world.cohort.pk, other_cohort.pk}
    profile.refresh_from_db()
    assert profile.employer == "บริษัทใหม่"


def test_program_staff_remove_their_own_cohort_but_not_another_programs(client, world):
    other_cohort = CohortFactory(program=ProgramFactory())
    profile = CoachProfile.objects.get(user=world.coach)
    profile.cohorts.add(other_cohort)
    client.force_login(program_staff_of(world.program))
    url = reverse("admin:coaching_coachprofile_change", args=[profile.pk])
    data = form_data(client, url)
    data.pop("cohorts")

    assert client.post(url, data).status_code == 302
    assert list(profile.cohorts.values_list("pk", flat=True)) == [other_cohort.pk]


# Item 8: an action added on the visit page ---------------------------------------------------


@pytest.mark.parametrize("who", ["program_staff", "superuser"])
def test_an_action_added_on_the_visit_page_belongs_to_the_visits_pair(client, world, who):
    user = program_staff_of(world.program) if who == "program_staff" else SuperuserFactory()
    client.force_login(user)
    url = reverse("admin:coaching_visit_change", args=[world.visit.pk])
    data = form_data(client, url)
    prefix = "actions"
    data[f"{prefix}-TOTAL_FORMS"] = int(data[f"{prefix}-TOTAL_FORMS"]) + 1
    index = int(data[f"{prefix}-TOTAL_FORMS"]) - 1
    data.update(
        {
            f"{prefix}-{index}-title": "นัดประชุมทีมการเงิน",
            f"{prefix}-{index}-owner": ActionOwner.COACH,
            f"{prefix}-{index}-due_on": "2027-01-20",
            f"{prefix}-{index}-status": ActionStatus.OPEN,
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302
    added = ActionItem.objects.get(title="นัดประชุมทีมการเงิน")
    assert (added.visit_id, added.match_id) == (world.visit.pk, world.match.pk)


def _scoped_admins():
    return [
        model_admin
        for model_admin in django_admin.site._registry.values()
        if isinstance(model_admin, ProgramScopedAdmin)
        and model_admin.model._meta.app_label in ("cohorts", "coaching", "workshops")
    ]


def _adds_rows(inline) -> bool:
    """False for an inline that says itself it adds nothing (read-only rows)."""
    return inline.has_add_permission is django_admin.options.InlineModelAdmin.has_add_permission


def test_program_staff_may_add_rows_to_every_inline_they_can_see():
    """An inline program staff see but cannot add to drops a posted row without a word."""
    perms = {f"{p.content_type.app_label}.{p.codename}" for p in program_staff_group().permissions.all()}
    missing = []
    for model_admin in _scoped_admins():
        if f"{model_admin.opts.app_label}.change_{model_admin.opts.model_name}" not in perms:
            continue
        for inline in model_admin.inlines:
            opts = inline.model._meta
            if not _adds_rows(inline):
                continue
            if f"{opts.app_label}.add_{opts.model_name}" not in perms:
                missing.append(f"{model_admin.opts.model_name}: {opts.model_name}")

    assert missing == []


def test_every_inline_sets_the_required_links_it_does_not_show():
    """An inline row's required foreign keys are shown, are the inline's own link, or are set
    by its formset (as the visit's pair is for an action): otherwise adding a row is a 500."""
    unset = []
    for model_admin in _scoped_admins():
        for inline in filter(_adds_rows, model_admin.inlines):
            fk_name = inline.fk_name or next(
                f.name for f in inline.model._meta.fields if f.is_relation and f.remote_field.model is model_admin.model
            )
            shown = set(inline.fields or [f.name for f in inline.model._meta.fields])
            for field in inline.model._meta.fields:
                if not field.many_to_one or field.null or field.name in (fk_name, *shown):
                    continue
                if not inline.formset.__module__.startswith("django.") and "save_new" in vars(inline.formset):
                    continue
                unset.append(f"{inline.model.__name__}.{field.name}")

    assert unset == []
