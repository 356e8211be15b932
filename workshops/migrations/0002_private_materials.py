"""Workshop materials move to the private storage under random names.

They were stored in MEDIA_ROOT under workshops/materials/<hex>/<name>, which the admin linked
as /media/...; each is copied to the private storage (materials/..., a cloned series' rows
share one copy), the rows are pointed at it and the public copy is deleted
(incubator.storage.move_public_files_to_private).
"""

import incubator.storage
import incubator.validators
import workshops.models
from django.db import migrations, models


def move_to_private(apps, schema_editor):
    incubator.storage.move_public_files_to_private(apps.get_model("workshops", "Material"), "file", folder="materials")


class Migration(migrations.Migration):

    dependencies = [
        ('workshops', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='material',
            name='file',
            field=models.FileField(help_text='PDF, Word, Excel, PowerPoint or a picture (JPG, PNG), at most 20 MB.', max_length=300, storage=incubator.storage.private_storage, upload_to=workshops.models.material_upload_to, validators=[incubator.validators.UploadValidator(extensions=('pdf', 'docx', 'xlsx', 'pptx', 'jpg', 'jpeg', 'png'), max_bytes=20971520)], verbose_name='file'),
        ),
        migrations.RunPython(move_to_private, migrations.RunPython.noop),
    ]
