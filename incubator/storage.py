"""Private files: uploads that only scoped views may hand out.

They live in `PRIVATE_MEDIA_ROOT` (outside `MEDIA_ROOT`, never served by a static route) under
random names that reveal nothing (no person, application or original file name). A stored
file's `url` is `PRIVATE_FILES_URL` + name (`/files/<folder>/...`); that one view hands the
file to the view of the app that owns the folder (`register_private_folder`: application
attachments, visit photos, workshop materials), which checks who asks and answers 404 to
anyone else, in debug and production alike. Every `FileField` of the project uses this
storage (a test holds it); `MEDIA_ROOT` holds no upload.
"""

from __future__ import annotations

import posixpath
import re
import uuid
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, empty
from django.utils.module_loading import import_string


@deconstructible
class PrivateStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("location", settings.PRIVATE_MEDIA_ROOT)
        kwargs.setdefault("base_url", settings.PRIVATE_FILES_URL)
        super().__init__(**kwargs)


class _PrivateStorageProxy(LazyObject):
    """`STORAGES["private"]`, looked up when first used and again after the setting changes
    (as Django's `default_storage`): a `FileField` keeps the storage object it was given when
    the model was imported, so handing it the storage itself would pin the location read at
    import time (tests, which point the private storage at a temporary folder, wrote to
    var/private)."""

    def _setup(self):
        self._wrapped = storages["private"]


_private_storage = _PrivateStorageProxy()


@receiver(setting_changed)
def _private_storage_changed(*, setting, **kwargs) -> None:
    if setting in ("STORAGES", "PRIVATE_MEDIA_ROOT", "PRIVATE_FILES_URL"):
        storages._storages.pop("private", None)
        _private_storage._wrapped = empty


def private_storage():
    """The configured private storage (`STORAGES["private"]`), for `FileField(storage=...)`."""
    return _private_storage


def opaque_name(folder: str, *, extension: str = "") -> str:
    """`<folder>/<2 hex>/<32 hex>[.ext]`: a random name that says nothing about the file or its
    owner (an extension, if given, only says the file's type)."""
    token = uuid.uuid4().hex
    name = posixpath.join(folder, token[:2], token)
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())[:8]
    return f"{name}.{extension}" if extension else name


# folder -> dotted path of a view `(request, name) -> HttpResponse` that raises Http404 for
# anyone who may not have the file.
_PRIVATE_FOLDERS: dict[str, str] = {}


def register_private_folder(folder: str, view: str) -> None:
    """The files stored under `folder/` are handed out by `view` (a dotted path), which checks
    who asks (each app registers its folders in its AppConfig.ready())."""
    _PRIVATE_FOLDERS[folder] = view


def private_folder_view(request: HttpRequest, name: str) -> HttpResponse:
    """The owning app's view for the stored file `name`; 404 for a folder nobody owns."""
    folder = name.split("/", 1)[0]
    view = _PRIVATE_FOLDERS.get(folder)
    if view is None or ".." in name.split("/"):
        raise Http404("No such file.")
    return import_string(view)(request, name)


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


def move_public_files_to_private(model, field_name: str, *, folder: str) -> int:
    """For a data migration: every file of `model.field_name` still in the public storage
    (`MEDIA_ROOT`) is copied to the private storage under a random name in `folder/` (keeping
    only its type), the rows are pointed at it (rows sharing a file share the copy) and the
    public copy is deleted. A file already private, or missing, is left as it is. Returns how
    many files moved."""
    from incubator.validators import extension_of

    public, private = storages["default"], storages["private"]
    moved: dict[str, str] = {}
    rows = model.objects.exclude(**{field_name: ""}).exclude(**{f"{field_name}__startswith": f"{folder}/"})
    for pk, old in rows.values_list("pk", field_name).iterator():
        if old not in moved:
            if not public.exists(old):
                continue
            with public.open(old, "rb") as source:
                moved[old] = private.save(opaque_name(folder, extension=extension_of(old)), source)
        model.objects.filter(pk=pk).update(**{field_name: moved[old]})
    for old in moved:
        public.delete(old)
    return len(moved)
