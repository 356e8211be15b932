"""Upload validation and image metadata stripping (incubator.validators), shared by every app
that takes files: application attachments, workshop materials, field-visit photos."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, PngImagePlugin

from incubator.tests.files import CAMERA, PDF, gps_exif, image_bytes
from incubator.validators import (
    IMAGE_EXTENSIONS,
    UploadValidator,
    accept_attribute,
    clean_upload,
    strip_image_metadata,
    validate_upload,
)


def _zip(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


JPEG = image_bytes("JPEG")
PNG = image_bytes("PNG")


# --- What is accepted ------------------------------------------------------------------------


def test_validate_upload_refuses_a_file_over_5_mb():
    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf"))

    assert error.value.code == "file_too_large"
    assert error.value.params["max"] == "5"


def test_validate_upload_accepts_exactly_5_mb():
    validate_upload(SimpleUploadedFile("edge.pdf", PDF + b"0" * (5 * 1024 * 1024 - len(PDF)), "application/pdf"))


def test_validate_upload_takes_a_smaller_limit():
    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile("plan.pdf", PDF + b"0" * 2048), max_bytes=1024)

    assert error.value.code == "file_too_large"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tool.exe", b"MZ\x90\x00"),
        ("notes.txt", b"hello"),
        ("renamed.pdf", PNG),
        ("renamed.png", PDF),
        ("renamed.jpg", PNG),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 30),
        ("sheet.xlsx", _zip("word/document.xml")),
        ("no-extension", PDF),
        # The right first bytes, but no picture behind them.
        ("fake.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32),
    ],
)
def test_validate_upload_refuses_other_types(name, content):
    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile(name, content))

    assert error.value.code == "file_type"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plan.pdf", PDF),
        ("PHOTO.JPG", JPEG),
        ("photo.jpeg", JPEG),
        ("map.png", PNG),
        ("letter.docx", _zip("word/document.xml")),
        ("budget.xlsx", _zip("xl/workbook.xml")),
    ],
)
def test_validate_upload_accepts_the_allowed_types(name, content):
    validate_upload(SimpleUploadedFile(name, content))


def test_validate_upload_with_image_extensions_refuses_a_pdf_and_names_the_types():
    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile("plan.pdf", PDF), extensions=IMAGE_EXTENSIONS)

    assert error.value.code == "file_type"
    assert error.value.params == {"types": "JPG, PNG"}


def test_upload_validator_is_the_same_check_for_a_field():
    validator = UploadValidator(extensions=IMAGE_EXTENSIONS)

    validator(SimpleUploadedFile("photo.jpg", JPEG))
    with pytest.raises(ValidationError):
        validator(SimpleUploadedFile("plan.pdf", PDF))
    assert validator == UploadValidator(extensions=["jpg", "jpeg", "png"])
    assert accept_attribute(IMAGE_EXTENSIONS) == ".jpg,.jpeg,.png"


# --- What is stored --------------------------------------------------------------------------


def test_clean_upload_strips_gps_and_camera_exif_from_a_jpeg(jpeg_with_gps):
    with Image.open(io.BytesIO(jpeg_with_gps.read())) as sent:
        assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the photo as sent carries its position
    jpeg_with_gps.seek(0)

    stored = clean_upload(jpeg_with_gps)

    data = stored.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert "exif" not in image.info
        assert image.size == (40, 20)
    assert b"Exif" not in data
    assert CAMERA.encode() not in data
    assert stored.name == "visit.jpg"


def test_clean_upload_applies_the_orientation_before_dropping_it():
    # Orientation 6: the camera was turned; viewers rotate the picture 90 degrees clockwise.
    upload = SimpleUploadedFile("turned.jpeg", image_bytes("JPEG", exif=gps_exif(orientation=6)), "image/jpeg")

    stored = clean_upload(upload)

    with Image.open(io.BytesIO(stored.read())) as image:
        assert image.size == (20, 40)  # stands upright now
        assert ExifTags.Base.Orientation not in image.getexif()
        top, bottom = image.convert("RGB").getpixel((10, 2)), image.convert("RGB").getpixel((10, 37))
    # Red (the left half) is on top after the turn, blue below; JPEG keeps colours near, not exact.
    assert max(top) == top[0]
    assert max(bottom) == bottom[2]


def test_clean_upload_strips_exif_and_text_chunks_from_a_png_and_keeps_transparency():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at the leader's house")
    image = Image.new("RGBA", (8, 8), (0, 128, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, exif=gps_exif())

    stored = clean_upload(SimpleUploadedFile("map.png", buffer.getvalue(), "image/png"))

    data = stored.read()
    with Image.open(io.BytesIO(data)) as cleaned:
        assert dict(cleaned.getexif()) == {}
        assert "Comment" not in cleaned.info
        assert cleaned.mode == "RGBA"
        assert cleaned.getpixel((0, 0)) == (0, 128, 0, 0)
    assert b"eXIf" not in data
    assert b"leader" not in data


def test_strip_image_metadata_returns_other_files_as_they_are():
    upload = SimpleUploadedFile("plan.pdf", PDF)

    assert strip_image_metadata(upload) is upload


def test_clean_upload_refuses_before_storing_anything():
    with pytest.raises(ValidationError):
        clean_upload(SimpleUploadedFile("photo.jpg", PDF))


def test_clean_upload_refuses_a_truncated_photo_with_a_message_not_an_error():
    whole = image_bytes("JPEG", size=(400, 300), exif=gps_exif())
    truncated = SimpleUploadedFile("cut.jpg", whole[:-200], "image/jpeg")  # the end of the picture is missing
    validate_upload(truncated)  # the headers are whole

    with pytest.raises(ValidationError) as error:
        clean_upload(truncated)

    assert error.value.code == "file_damaged"


def test_validate_upload_refuses_a_picture_with_too_many_pixels():
    image = Image.new("1", (8000, 8000))  # 64 megapixels, a few kilobytes as PNG
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")

    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile("huge.png", buffer.getvalue(), "image/png"))

    assert error.value.code == "file_too_large"
    assert error.value.params == {"megapixels": 60}
