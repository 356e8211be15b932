"""Uploaded files: what is accepted, and what is stored.

- `validate_upload(file, *, extensions=..., max_bytes=...)` refuses a file over the size
  limit or of a type not in `extensions`, judged by the extension *and* by the content (a
  PDF's header, the parts inside a Word or Excel file, an image Pillow can decode), so a
  renamed file is refused too. It raises `ValidationError` with code `file_too_large` or
  `file_type`, and changes nothing.
- `clean_upload(file, ...)` validates and returns what to store: JPEG and PNG images are
  re-encoded without their metadata (EXIF with the GPS position and the camera's serial
  number, XMP, comments, PNG text chunks), with the EXIF orientation applied to the pixels
  so the photo still stands the right way up; other files are returned as they are.
- `UploadValidator(extensions=..., max_bytes=...)` is the same check for a form or model
  field (`validators=[UploadValidator(extensions=IMAGE_EXTENSIONS)]`).

Application attachments use the defaults (`DOCUMENT_EXTENSIONS`, 5 MB); workshop materials
pass `MATERIAL_EXTENSIONS` (documents and PowerPoint, 20 MB) and field-visit photos
`PHOTO_EXTENSIONS`. Nothing else is accepted: an HTML file (with a script) is refused.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.validators import MaxLengthValidator
from django.utils import formats
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DOCUMENT_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "docx", "xlsx")
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")
# Workshop materials: what facilitators hand out (slides, worksheets, readings).
MATERIAL_EXTENSIONS = ("pdf", "docx", "xlsx", "pptx", "jpg", "jpeg", "png")
MATERIAL_MAX_BYTES = 20 * 1024 * 1024
# Field-visit photos: what phones hand a browser (WebP too); stored as JPEG by `shrink_photo`.
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
# A photo larger than this many pixels is refused (a 48-megapixel phone photo passes); it also
# keeps Pillow below its decompression-bomb threshold.
MAX_IMAGE_PIXELS = 60_000_000
# Re-encoding a rotated JPEG: close to what phones write.
JPEG_QUALITY = 90
ORIENTATION_TAG = 0x0112

TYPE_LABELS = {
    "pdf": "PDF",
    "jpg": "JPG",
    "jpeg": "JPG",
    "png": "PNG",
    "webp": "WebP",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "pptx": "PowerPoint (.pptx)",
}
# What Pillow raises on a damaged, truncated or oversized picture.
IMAGE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    ValueError,
    SyntaxError,
    Image.DecompressionBombError,
)
_IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}
_ZIP_MEMBER = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}


def extension_of(name: str | None) -> str:
    name = (name or "").lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def accept_attribute(extensions: Sequence[str] = DOCUMENT_EXTENSIONS) -> str:
    """The `accept` attribute of a file input: ".pdf,.jpg,..."."""
    return ",".join(f".{extension}" for extension in extensions)


def _wrong_type(extensions: Sequence[str]) -> ValidationError:
    types = ", ".join(dict.fromkeys(TYPE_LABELS.get(extension, extension.upper()) for extension in extensions))
    return ValidationError(
        _("This type of file is not accepted. Please upload one of these types: %(types)s."),
        code="file_type",
        params={"types": types},
    )


def _zip_has(file, member: str) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _open_image(file, image_format: str) -> Image.Image:
    """Open `file` as `image_format` (headers only: nothing is decoded yet)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(file, formats=[image_format])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels()
    return image


def _check_pixels(image: Image.Image) -> None:
    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise _too_many_pixels()


def _damaged_picture() -> ValidationError:
    return ValidationError(
        _("This picture could not be read: it may be damaged. Please choose the file again or another one."),
        code="file_damaged",
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The picture is too large. Pictures can be at most %(megapixels)s megapixels."),
        code="file_too_large",
        params={"megapixels": MAX_IMAGE_PIXELS // 1_000_000},
    )


def _image_ok(file, image_format: str) -> bool:
    """The file is an image of `image_format` (header and structure) and not too large."""
    try:
        with _open_image(file, image_format) as image:
            _check_pixels(image)
            image.verify()
    except IMAGE_ERRORS:
        return False
    return True


def _content_ok(file, extension: str) -> bool:
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    try:
        if extension == "pdf":
            return head.startswith(b"%PDF-")
        if extension in ("jpg", "jpeg"):
            return head.startswith(b"\xff\xd8\xff") and _image_ok(file, "JPEG")
        if extension == "png":
            return head.startswith(b"\x89PNG\r\n\x1a\n") and _image_ok(file, "PNG")
        if extension == "webp":
            return head.startswith(b"RIFF") and _image_ok(file, "WEBP")
        if extension in _ZIP_MEMBER:
            return head.startswith(b"PK\x03\x04") and _zip_has(file, _ZIP_MEMBER[extension])
        return False
    finally:
        file.seek(0)


def validate_upload(
    file: File, *, extensions: Sequence[str] = DOCUMENT_EXTENSIONS, max_bytes: int = MAX_UPLOAD_BYTES
) -> None:
    """Refuse a file over `max_bytes` or whose extension or content is not one of `extensions`."""
    if file.size is not None and file.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s MB). Files can be at most %(max)s MB."),
            code="file_too_large",
            params={
                "size": formats.number_format(file.size / (1024 * 1024), 1),
                "max": formats.number_format(max_bytes / (1024 * 1024), 0),
            },
        )
    extension = extension_of(file.name)
    if extension not in extensions or not _content_ok(file, extension):
        raise _wrong_type(extensions)


def strip_image_metadata(file: File) -> File:
    """A JPEG or PNG without its metadata, orientation applied; any other file as it is.

    Kept: the pixels, the colour profile (ICC) and PNG transparency. Dropped: EXIF (GPS
    position, camera, dates), XMP, comments and PNG text chunks. A JPEG that needs no
    rotation keeps its quantisation tables (`quality="keep"`), so it loses next to nothing.
    """
    image_format = _IMAGE_FORMATS.get(extension_of(file.name))
    if image_format is None:
        return file
    file.seek(0)
    try:
        return _reencoded(file, image_format)
    except IMAGE_ERRORS:
        raise _damaged_picture()
    finally:
        file.seek(0)


def _reencoded(file: File, image_format: str) -> File:
    with _open_image(file, image_format) as original:
        _check_pixels(original)
        original.load()
        rotated = original.getexif().get(ORIENTATION_TAG, 1) in range(2, 9)
        image = ImageOps.exif_transpose(original) if rotated else original
        options: dict = {"format": image_format}
        if icc_profile := original.info.get("icc_profile"):
            options["icc_profile"] = icc_profile
        if image_format == "JPEG":
            if image is original and image.mode in ("RGB", "L", "CMYK"):
                options |= {"quality": "keep", "subsampling": "keep"}
            else:
                image = image if image.mode in ("RGB", "L", "CMYK") else image.convert("RGB")
                options["quality"] = JPEG_QUALITY
        elif "transparency" in original.info:
            options["transparency"] = original.info["transparency"]
        image.info = {}  # nothing of the original's metadata travels with the pixels
        output = io.BytesIO()
        image.save(output, **options)
    return ContentFile(output.getvalue(), name=file.name)


def clean_upload(
    file: File, *, extensions: Sequence[str] = DOCUMENT_EXTENSIONS, max_bytes: int = MAX_UPLOAD_BYTES
) -> File:
    """Validate `file` (see `validate_upload`) and return what to store: images without metadata."""
    validate_upload(file, extensions=extensions, max_bytes=max_bytes)
    return strip_image_metadata(file)


@deconstructible
class UploadValidator:
    """`validate_upload` as a field validator, with its own types and size limit."""

    def __init__(self, *, extensions: Sequence[str] = DOCUMENT_EXTENSIONS, max_bytes: int = MAX_UPLOAD_BYTES):
        self.extensions = tuple(extensions)
        self.max_bytes = max_bytes

    def __call__(self, file: File) -> None:
        validate_upload(file, extensions=self.extensions, max_bytes=self.max_bytes)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UploadValidator)
            and self.extensions == other.extensions
            and self.max_bytes == other.max_bytes
        )

    def __hash__(self) -> int:
        return hash((self.extensions, self.max_bytes))


def shrink_photo(file: File, *, max_side: int = 1600, quality: int = 85) -> File:
    """A validated photo (see `validate_upload` with `PHOTO_EXTENSIONS`) as a JPEG of at most
    `max_side` pixels a side, turned upright from its EXIF orientation, and carrying nothing
    but its pixels: no EXIF (GPS position, camera), XMP, comments or colour profile."""
    file.seek(0)
    try:
        with Image.open(file) as original:
            _check_pixels(original)
            original.load()
            image = ImageOps.exif_transpose(original)
            image.thumbnail((max_side, max_side))
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            pixels = Image.new(image.mode, image.size)
            pixels.paste(image)  # pixels only: no info, EXIF or ICC travels
    except IMAGE_ERRORS:
        raise _damaged_picture()
    finally:
        file.seek(0)
    output = io.BytesIO()
    pixels.save(output, format="JPEG", quality=quality, optimize=True)
    return ContentFile(output.getvalue(), name="photo.jpg")


# --- Text a person types -------------------------------------------------------------------
# Every text box refuses what the database cannot store (PostgreSQL refuses NUL in text) and
# has a limit the person sees (a live count from static/js/char-count.js under every textarea
# with a limit). Django's form CharField already refuses NUL; these are for the paths around
# it (models' full_clean in services, GET parameters, hand-parsed rows) and for model limits.

# Limits in characters, shared by models and forms.
NOTE_MAX = 1000  # a reason, a note, a short answer
TEXT_MAX = 3000  # observations, feedback, a bio, a description (about two pages of Thai)
MESSAGE_MAX = 5000  # an email to many people
DOCUMENT_MAX = 10000  # a call for applications, a privacy notice, an email template
# simple-history's history_change_reason column is varchar(100).
HISTORY_REASON_MAX = 100
# A search box or a token in a URL.
QUERY_MAX = 100

NUL_MESSAGE = _("Null characters are not allowed.")


@deconstructible
class NoNulValidator:
    """Refuse text with a NUL character (PostgreSQL cannot store it)."""

    code = "null_characters_not_allowed"

    def __call__(self, value) -> None:
        if "\x00" in str(value):
            raise ValidationError(NUL_MESSAGE, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoNulValidator)

    def __hash__(self) -> int:
        return hash(self.code)


@deconstructible
class TextLimitValidator(MaxLengthValidator):
    """`MaxLengthValidator` with the message the forms show (in Thai on Thai pages)."""

    message = _("Please keep this to %(limit_value)d characters; it has %(show_value)d now.")


def text_limit(limit: int) -> dict:
    """Keyword arguments for a model text field: `max_length` (forms, the live count) and the
    validators a service's `full_clean()` runs (a TextField enforces neither by itself)."""
    return {"max_length": limit, "validators": [TextLimitValidator(limit), NoNulValidator()]}


def clean_query(value: str | None, *, max_length: int = QUERY_MAX) -> str:
    """A GET parameter (search text, token) as the database can take it: stripped, no NUL,
    at most `max_length` characters. Raises `ValidationError` otherwise."""
    value = (value or "").strip()
    NoNulValidator()(value)
    TextLimitValidator(max_length)(value)
    return value


def history_reason(text: str) -> str:
    """A change reason as simple-history's varchar(100) column can hold it: the whole text is
    kept on the row itself; the history row's reason is cut to fit, marked with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= HISTORY_REASON_MAX else text[: HISTORY_REASON_MAX - 1] + "…"
