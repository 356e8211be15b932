"""Photo checks for visit uploads: `clean_photo(upload) -> ContentFile`, on the shared upload
validators (`incubator.validators`): type by extension and content (JPEG, PNG or WebP), at
most MAX_BYTES, then stored as a JPEG of at most MAX_SIDE pixels a side, upright, with no
metadata: the GPS position a phone writes into a photo never reaches the server's disk."""

from __future__ import annotations

from django.core.files.base import ContentFile

from coaching.models import PHOTO_MAX_BYTES
from incubator.validators import PHOTO_EXTENSIONS, shrink_photo, validate_upload

MAX_BYTES = PHOTO_MAX_BYTES
MAX_SIDE = 1600


def clean_photo(upload) -> ContentFile:
    """A checked, resized, metadata-free JPEG of `upload`; ValidationError with a message otherwise."""
    validate_upload(upload, extensions=PHOTO_EXTENSIONS, max_bytes=MAX_BYTES)
    return shrink_photo(upload, max_side=MAX_SIDE)
