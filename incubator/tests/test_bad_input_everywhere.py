"""Sibling-finder: every form of the project, and every admin form, refuses NUL, over-long
text and dates the calendar refuses (or the platform cannot plan in) with a message on the
field; every text field of every model has a limit; every address with NUL answers 400.

The forms are found by walking the apps' modules (no list to keep up to date): a new form or
model field without a limit fails here.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.test import RequestFactory
from django.utils import translation

from incubator.dates import DateRangeValidator
from incubator.tests.factories import SuperuserFactory
from incubator.validators import NoNulValidator

APPS = ("incubator", "cohorts", "coaching", "workshops")
NUL = "ab\x00cd"
# Text a machine writes (the outbox's rendered bodies and errors, a draft kept as typed): not
# typed into a form by a person, and each bounded where it is made.
MACHINE_TEXT = {
    ("incubator", "outboundemail", "body_text"),
    ("incubator", "outboundemail", "body_html"),
    ("incubator", "outboundemail", "last_error"),
}


def _project_modules():
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".tests" in info.name or ".migrations" in info.name or info.name.endswith(".management"):
                continue
            yield importlib.import_module(info.name)


def _form_classes():
    seen = {}
    for module in _project_modules():
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                seen[f"{value.__module__}.{value.__qualname__}"] = value
    return seen


FORMS = _form_classes()


def _text_fields(fields):
    for name, field in fields.items():
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput):
            yield name, field


def _date_fields(fields):
    for name, field in fields.items():
        if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
            yield name, field


def test_the_walk_finds_the_forms_of_every_app():
    modules = {path.split(".")[0] for path in FORMS}
    assert {"cohorts", "coaching", "workshops", "incubator"} <= modules
    assert "workshops.forms.FeedbackForm" in FORMS
    assert "coaching.forms.VisitForm" in FORMS


# allauth's username field: the platform logs in by email, and allauth removes the field.
NOT_SHOWN = {("incubator.forms.SignupForm", "username")}


def _validators(form_class, name, field) -> list:
    """The form field's validators, and for a ModelForm the model field's (its full_clean runs them)."""
    validators = list(field.validators)
    model = getattr(getattr(form_class, "_meta", None), "model", None)
    if model is not None:
        with contextlib.suppress(FieldDoesNotExist):  # a form-only field
            validators += model._meta.get_field(name).validators
    return validators


@pytest.mark.parametrize("path", sorted(FORMS))
def test_every_form_text_box_has_a_limit_and_every_date_a_range(path):
    form_class = FORMS[path]
    fields = form_class.base_fields

    unlimited = [
        name for name, field in _text_fields(fields) if field.max_length is None and (path, name) not in NOT_SHOWN
    ]
    unchecked = [
        name
        for name, field in _date_fields(fields)
        if not any(isinstance(validator, DateRangeValidator) for validator in _validators(form_class, name, field))
    ]

    assert unlimited == []
    assert unchecked == []


def _model_text_fields():
    for model in apps.get_models():
        if model._meta.app_label not in APPS or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField) and field.editable:
                yield model, field


@pytest.mark.parametrize(
    ("model", "field"),
    [
        pytest.param(model, field, id=f"{model._meta.label}.{field.name}")
        for model, field in _model_text_fields()
        if (model._meta.app_label, model._meta.model_name, field.name) not in MACHINE_TEXT
    ],
)
def test_every_model_text_field_has_a_limit_its_validators_enforce(model, field):
    assert field.max_length is not None
    instance = model(**{field.name: "x" * (field.max_length + 1)})
    with pytest.raises(Exception) as error:  # noqa: PT011  (the ValidationError of full_clean)
        instance.clean_fields(exclude=[f.name for f in model._meta.fields if f.name != field.name])
    assert field.name in error.value.message_dict
    assert any(isinstance(validator, NoNulValidator) for validator in field.validators)


def _admin_forms():
    """Every admin of the project with an add form (the outbox, history and log admins have none)."""
    superuser = SimpleNamespace(
        is_superuser=True, is_active=True, is_staff=True, is_authenticated=True, has_perm=lambda *_args: True
    )
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in APPS and model_admin.has_add_permission(SimpleNamespace(user=superuser)):
            yield pytest.param(model, model_admin, id=model._meta.label)


def _bad_data(form) -> dict[str, dict]:
    """One bad value per field: NUL or one character too many in text, a year the platform
    cannot plan in (9999, or the Buddhist Era's 2569 plus 543) and a month 13 in dates."""
    cases = {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(field, forms.SplitDateTimeField):
            cases[f"{name}:year"] = {f"{name}_0": "9999-12-31", f"{name}_1": "10:00"}
            cases[f"{name}:month"] = {f"{name}_0": "2027-13-01", f"{name}_1": "10:00"}
        elif isinstance(field, forms.DateTimeField):
            cases[f"{name}:year"] = {name: "9999-12-31 10:00"}
            cases[f"{name}:month"] = {name: "2027-13-01 10:00"}
        elif isinstance(field, forms.DateField):
            cases[f"{name}:year"] = {name: "9999-12-31"}
            cases[f"{name}:month"] = {name: "2027-13-01"}
        elif isinstance(field, forms.CharField) and not isinstance(field, forms.URLField | forms.EmailField):
            if isinstance(widget, forms.HiddenInput) or getattr(field, "disabled", False):
                continue
            cases[f"{name}:nul"] = {name: NUL}
            if field.max_length:
                cases[f"{name}:long"] = {name: "ก" * (field.max_length + 1)}
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), list(_admin_forms()))
def test_every_admin_add_form_refuses_bad_input_on_the_field(model, model_admin):
    request = RequestFactory().get("/")
    request.user = SuperuserFactory()
    form_class = model_admin.get_form(request, None)
    with translation.override("th"):
        form = form_class()
        refused = {}
        for case, data in _bad_data(form).items():
            bound = form_class(data=data)
            field = case.split(":")[0]
            refused[case] = field in bound.errors
    assert {case: ok for case, ok in refused.items() if not ok} == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/workshops/calendar/ab%00cd.ics",
        "/staff/workshops/sessions/1/attendance/?q=a%00b",
        "/admin/cohorts/application/?q=%00",
        "/coaching/staff/visits/?organisation=%00",
        "/?next=%00",
    ],
)
def test_nul_in_any_address_answers_400_with_a_thai_message(client, url):
    client.force_login(SuperuserFactory())

    response = client.get(url)

    assert response.status_code == 400
    assert "อักขระ" in response.content.decode()
