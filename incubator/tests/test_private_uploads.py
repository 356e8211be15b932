"""Every upload is private (issue 12, item 10): each file field of the project stores in the
private storage and passes the shared upload validators, so no upload lands under MEDIA_ROOT
(which the development server and a careless web server serve to anyone)."""

from django.apps import apps
from django.db import models

from incubator.storage import private_storage

OUR_APPS = ("incubator", "cohorts", "coaching", "workshops", "dashboard")


def _file_fields():
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                yield model, field


def test_every_file_field_stores_in_the_private_storage():
    fields = list(_file_fields())

    assert {f"{model.__name__}.{field.name}" for model, field in fields} >= {
        "Answer.file",
        "VisitPhoto.image",
        "Material.file",
    }
    public = [
        f"{model.__name__}.{field.name}"
        for model, field in fields
        if getattr(field, "_storage_callable", None) is not private_storage
    ]
    assert public == []


def test_every_file_field_is_checked_by_the_shared_validators_or_its_form():
    from incubator.validators import UploadValidator

    unchecked = [
        f"{model.__name__}.{field.name}"
        for model, field in _file_fields()
        if not any(isinstance(validator, UploadValidator) for validator in field.validators)
        and model.__name__ != "Answer"  # checked by the application form (cohorts.forms, clean_upload)
    ]
    assert unchecked == []
