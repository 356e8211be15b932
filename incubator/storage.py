"""Private files: uploads that only scoped views may hand out.

They live in `PRIVATE_MEDIA_ROOT` (outside `MEDIA_ROOT`, never served by a static route) under
random names that reveal nothing (no person, application or original file name). A stored
file's `url` is a view of the app that owns it (`PRIVATE_FILES_URL` + name), which checks who
asks and answers 404 to anyone else, in debug and production alike.
"""

from __future__ import annotations

import posixpath
import re
import uuid
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("location", settings.PRIVATE_MEDIA_ROOT)
        kwargs.setdefault("base_url", settings.PRIVATE_FILES_URL)
        super().__init__(**kwargs)


def private_storage():
    """The configured private storage (`STORAGES["private"]`), for `FileField(storage=...)`."""
    return storages["private"]


def opaque_name(folder: str) -> str:
    """`<folder>/<2 hex>/<32 hex>`: a random name that says nothing about the file or its owner."""
    token = uuid.uuid4().hex
    return posixpath.join(folder, token[:2], token)


def download_response(file, *, filename: str) -> FileResponse:
    """The file as an attachment under its original name, Thai intact: an ASCII fallback in
    `filename=` and the exact name (tone marks included) in RFC 5987 `filename*=UTF-8''...`."""
    response = FileResponse(file.open("rb"), as_attachment=True, filename=filename)
    stem, _dot, extension = filename.rpartition(".") if "." in filename else (filename, "", "")
    ascii_stem = re.sub(r"[^A-Za-z0-9._ -]", "", stem).strip(" .") or "file"
    ascii_extension = re.sub(r"[^A-Za-z0-9]", "", extension)
    fallback = f"{ascii_stem}.{ascii_extension}" if ascii_extension else ascii_stem
    exact = quote(filename, safe="")
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"
    response["Cache-Control"] = "private, no-store"
    return response
