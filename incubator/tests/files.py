"""Files for upload tests: a minimal PDF, small JPEGs and PNGs with or without EXIF (GPS,
camera, orientation). Shared by every app whose tests upload files (incubator.tests.conftest
and the apps' conftest offer them as fixtures)."""

import io

from PIL import ExifTags, Image

CAMERA = "PhoneMaker FieldPhone 12"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def gps_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: camera model, orientation and a GPS position (Chiang Rai)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = CAMERA
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (19.0, 54.0, 20.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (99.0, 49.0, 3.25),
    }
    return exif


def image_bytes(image_format: str = "JPEG", *, size=(40, 20), **options) -> bytes:
    """A two-colour picture, red on the left half and blue on the right, saved with `options`
    (e.g. `exif=gps_exif()`)."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()
