"""Workshop materials (issue 12, items 9 and 10): checked like every upload (an HTML file with a
script is refused), stored in the private storage under a random name, and handed out only to
the cohort and its program's staff, from the timeline and from the admin's link alike."""

import io
import zipfile

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from incubator.tests.files import gps_exif, image_bytes
from workshops.models import Material
from workshops.tests.factories import world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<html><body><script>fetch('/admin/').then(r => r.text())</script></body></html>"
WHO = ["anonymous", "other_participant", "participant", "other_staff", "staff", "superuser"]


@pytest.fixture
def w(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    data = world(participants=1)
    data["workshop"] = data["series"].workshops.get(order=1)
    data["participant"] = data["participants"][0]
    return data


def _login(client, w, who):
    from incubator.tests.factories import SuperuserFactory

    users = {
        "other_participant": w["other_participant"].user,
        "participant": w["participant"].user,
        "other_staff": w["other_staff"],
        "staff": w["staff"],
        "superuser": SuperuserFactory(),
    }
    if who != "anonymous":
        client.force_login(users[who])


def _workshop_form(client, workshop):
    """The admin's workshop page posted as it is, with one new material row."""
    url = reverse("admin:workshops_workshop_change", args=[workshop.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name)
        if value is None or field.disabled or value is False:
            continue
        data[name] = getattr(value, "pk", value)
    data["required"] = "on" if workshop.required else ""
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for sub in formset.initial_forms:
            data[f"{sub.prefix}-id"] = sub.instance.pk
            for name, field in sub.fields.items():
                value = sub.initial.get(name)
                if value is not None and value is not False and not field.disabled:
                    data[f"{sub.prefix}-{name}"] = getattr(value, "pk", value)
    return url, data


def _add_material(client, workshop, upload_name, content):
    url, data = _workshop_form(client, workshop)
    data["materials-TOTAL_FORMS"] = "1"
    data["materials-0-title"] = "ใบงานกลยุทธ์"
    data["materials-0-file"] = ContentFile(content, name=upload_name)
    return client.post(url, data)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.html", HTML),
        ("evil.pdf", HTML),  # renamed: judged by content too
        ("notes.txt", b"plain text"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ],
)
def test_admin_refuses_a_material_that_is_not_a_document_or_picture(client, w, name, content):
    client.force_login(w["staff"])

    response = _add_material(client, w["workshop"], name, content)

    assert response.status_code == 200
    errors = str(response.context["inline_admin_formsets"][-1].formset.errors)
    assert "ไม่รองรับไฟล์ประเภทนี้" in errors or "This type of file" in errors
    assert not Material.objects.filter(workshop=w["workshop"]).exists()


def test_admin_stores_a_pdf_material_privately_under_a_random_name(client, w):
    client.force_login(w["staff"])

    response = _add_material(client, w["workshop"], "ใบงาน ลับ.pdf", PDF)

    assert response.status_code == 302
    material = Material.objects.get(workshop=w["workshop"])
    assert material.file.name.startswith("materials/")
    assert material.file.name.endswith(".pdf")
    assert "ใบงาน" not in material.file.name
    assert storages["private"].exists(material.file.name)
    assert not any(settings.MEDIA_ROOT.rglob("*")) if settings.MEDIA_ROOT.exists() else True
    assert material.file.url == f"/files/{material.file.name}"


def test_admin_material_picture_is_stored_without_its_location(client, w):
    from PIL import Image

    client.force_login(w["staff"])

    assert _add_material(client, w["workshop"], "map.jpg", image_bytes("JPEG", exif=gps_exif())).status_code == 302

    material = Material.objects.get(workshop=w["workshop"])
    with material.file.open("rb") as handle, Image.open(handle) as image:
        assert 0x8825 not in image.getexif()


def test_a_pptx_is_a_material(client, w):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ppt/presentation.xml", "<p/>")
    client.force_login(w["staff"])

    assert _add_material(client, w["workshop"], "slides.pptx", buffer.getvalue()).status_code == 302


@pytest.fixture
def stored(w):
    material = Material(workshop=w["workshop"], title="แบบฝึกหัดกลยุทธ์")
    material.file.save("slides.pdf", ContentFile(PDF), save=True)
    return material


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("other_participant", 404),
        ("participant", 200),
        ("other_staff", 404),
        ("staff", 200),
        ("superuser", 200),
    ],
)
def test_material_link_of_the_private_storage_permission_matrix(client, w, stored, who, status):
    _login(client, w, who)

    response = client.get(stored.file.url)

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert "filename*=UTF-8''%E0%B9%81" in response["Content-Disposition"]  # the Thai title
        assert response["Cache-Control"] == "private, no-store"
    else:
        assert PDF not in response.content


def test_timeline_material_link_downloads_under_the_title(client, w, stored):
    _login(client, w, "participant")

    response = client.get(reverse("workshops:material", args=[stored.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(".pdf")
    assert "slides" not in response["Content-Disposition"]


def test_admin_workshop_page_links_the_material_through_the_checked_view(client, w, stored):
    client.force_login(w["staff"])

    body = client.get(reverse("admin:workshops_workshop_change", args=[w["workshop"].pk])).content.decode()

    assert f'href="/files/{stored.file.name}"' in body
    assert "/media/" not in body


def test_unknown_folders_and_parent_paths_answer_404(client, w, stored):
    _login(client, w, "staff")

    assert client.get("/files/workshops/materials/abc/slides.pdf").status_code == 404
    assert client.get(f"/files/materials/../{stored.file.name}").status_code == 404


def test_migration_moves_public_materials_to_the_private_storage(w, settings):
    from django.apps import apps

    from incubator.storage import move_public_files_to_private

    public = storages["default"]
    old = public.save("workshops/materials/0a/ใบงาน.pdf", ContentFile(PDF))
    first = Material.objects.create(workshop=w["workshop"], title="ใบงาน", file=old)
    clone = Material.objects.create(workshop=w["workshop"], title="ใบงาน (รุ่นใหม่)", file=old)

    moved = move_public_files_to_private(apps.get_model("workshops", "Material"), "file", folder="materials")

    first.refresh_from_db()
    clone.refresh_from_db()
    assert moved == 1
    assert first.file.name == clone.file.name
    assert first.file.name.startswith("materials/")
    assert storages["private"].open(first.file.name).read() == PDF
    assert not public.exists(old)
