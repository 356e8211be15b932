"""Visit photos move to the private storage under random names.

They were stored in MEDIA_ROOT under coaching/visits/<match>/<id>.jpg, which the admin linked
as /media/...; each is copied to the private storage (visit-photos/...), the row is pointed at
it and the public copy is deleted (incubator.storage.move_public_files_to_private).
"""

import coaching.models
import incubator.storage
import incubator.validators
from django.db import migrations, models


def move_to_private(apps, schema_editor):
    incubator.storage.move_public_files_to_private(apps.get_model("coaching", "VisitPhoto"), "image", folder="visit-photos")


class Migration(migrations.Migration):

    dependencies = [
        ('coaching', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='visitphoto',
            name='image',
            field=models.ImageField(height_field='height', max_length=300, storage=incubator.storage.private_storage, upload_to=coaching.models.photo_upload_to, validators=[incubator.validators.UploadValidator(extensions=('jpg', 'jpeg', 'png', 'webp'), max_bytes=10485760)], verbose_name='photo', width_field='width'),
        ),
        migrations.RunPython(move_to_private, migrations.RunPython.noop),
    ]
