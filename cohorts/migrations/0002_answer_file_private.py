"""Application attachments move to the private storage under random names.

Files uploaded before lived in MEDIA_ROOT under applications/<cohort>/<application>/<name>,
which the development server served to anyone. Each is copied to the private storage under
a random name, the row is pointed at it and the old public copy is deleted.
"""

import uuid

from django.core.files.storage import default_storage, storages
from django.db import migrations, models

import cohorts.models
import incubator.storage


def move_to_private(apps, schema_editor):
    Answer = apps.get_model("cohorts", "Answer")
    private = storages["private"]
    for answer in Answer.objects.exclude(file="").exclude(file__isnull=True).iterator():
        old = answer.file.name
        if not old.startswith("applications/") or not default_storage.exists(old):
            continue
        token = uuid.uuid4().hex
        with default_storage.open(old, "rb") as source:
            new = private.save(f"answers/{token[:2]}/{token}", source)
        if not answer.value:
            answer.value = old.rsplit("/", 1)[-1]
        answer.file = new
        answer.save(update_fields=["file", "value"])
        default_storage.delete(old)


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="answer",
            name="file",
            field=models.FileField(
                blank=True,
                db_index=True,
                max_length=300,
                storage=incubator.storage.private_storage,
                upload_to=cohorts.models.answer_upload_to,
                verbose_name="file",
            ),
        ),
        migrations.RunPython(move_to_private, migrations.RunPython.noop),
    ]
