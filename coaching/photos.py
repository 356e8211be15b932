"""Photo checks for visit uploads, in one function: `clean_photo(upload) -> ContentFile`.

Type and size are checked (JPEG, PNG, WebP, HEIF is refused by Pillow's default build; at most
MAX_BYTES), the picture is opened by Pillow (a file that only claims to be an image is refused),
turned upright from its EXIF orientation, resized to at most MAX_SIDE pixels and saved again as
JPEG without any metadata: EXIF, GPS position, comments are all gone.

Meant to be pointed at the shared `incubator/validators.py` once it lands (one call site:
`coaching.services.visits.visit_photo_add`).
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
ALLOWED_CONTENT_TYPES = {"image/jpeg", "image/png", "image/webp", "application/octet-stream", ""}
Image.MAX_IMAGE_PIXELS = 50_000_000  # refuse decompression bombs early


def clean_photo(upload) -> ContentFile:
    """A checked, resized, metadata-free JPEG of `upload`; ValidationError with a message otherwise."""
    size = getattr(upload, "size", None)
    if size is None or size > MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (at most %(mb)d MB).") % {"mb": MAX_BYTES // (1024 * 1024)}, code="too_large"
        )
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise ValidationError(_("Only JPEG, PNG or WebP photos can be uploaded."), code="type")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(_("Only JPEG, PNG or WebP photos can be uploaded."), code="type")
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            clean = Image.new(image.mode, image.size)
            clean.paste(image)  # pixels only: no info, no EXIF, no ICC, nothing else travels
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as error:
        raise ValidationError(_("This file is not a photo we can read."), code="invalid") from error
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")
