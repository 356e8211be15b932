"""Backups restore: the database and the private files come back byte for byte, only with the
key, and a damaged or foreign file is refused before anything is touched."""

import sqlite3
import subprocess

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from incubator.backup import BackupError, backup_create, backup_restore, new_key
from incubator.tests.factories import UserFactory

THAI_FILE = "answers/ab/แผนงาน.pdf"


def _sqlite(path, rows):
    db = sqlite3.connect(path)
    with db:
        db.execute("CREATE TABLE person (name TEXT)")
        db.executemany("INSERT INTO person VALUES (?)", [(r,) for r in rows])
    db.close()
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


@pytest.fixture
def source(tmp_path):
    files = tmp_path / "private"
    (files / "answers" / "ab").mkdir(parents=True)
    (files / THAI_FILE).write_bytes(b"%PDF-1.4 plan")
    (files / "photos.jpg").write_bytes(bytes(range(256)) * 100)
    return {"database": _sqlite(tmp_path / "db.sqlite3", ["สมชาย", "Malee"]), "files": files}


def _restore_target(tmp_path):
    db = tmp_path / "restored.sqlite3"
    sqlite3.connect(db).close()
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db)}, tmp_path / "restored-files"


def test_backup_then_restore_gives_back_the_database_and_every_file(source, tmp_path):
    key = new_key()
    archive = tmp_path / "backup.bak"
    backup_create(output=archive, database=source["database"], files_dir=source["files"], key=key)
    database, files = _restore_target(tmp_path)
    (files / "left-over").mkdir(parents=True)

    manifest = backup_restore(archive=archive, database=database, files_dir=files, key=key)

    rows = sqlite3.connect(database["NAME"]).execute("SELECT name FROM person ORDER BY name").fetchall()
    assert rows == [("Malee",), ("สมชาย",)]
    assert sorted(p.relative_to(files).as_posix() for p in files.rglob("*") if p.is_file()) == [
        THAI_FILE,
        "photos.jpg",
    ]
    assert (files / THAI_FILE).read_bytes() == b"%PDF-1.4 plan"
    assert sorted(manifest["files"]) == [THAI_FILE, "photos.jpg"]


def test_the_archive_is_encrypted(source, tmp_path):
    archive = tmp_path / "backup.bak"
    backup_create(output=archive, database=source["database"], files_dir=source["files"], key=new_key())

    content = archive.read_bytes()

    assert b"%PDF" not in content
    assert "สมชาย".encode() not in content
    assert b"manifest" not in content


def test_a_wrong_key_or_a_changed_byte_is_refused_and_nothing_is_touched(source, tmp_path):
    key = new_key()
    archive = tmp_path / "backup.bak"
    backup_create(output=archive, database=source["database"], files_dir=source["files"], key=key)
    database, files = _restore_target(tmp_path)
    files.mkdir()
    (files / "current.pdf").write_bytes(b"today's file")
    damaged = tmp_path / "damaged.bak"
    content = bytearray(archive.read_bytes())
    content[200] ^= 1
    damaged.write_bytes(bytes(content))

    with pytest.raises(BackupError, match="wrong key or damaged"):
        backup_restore(archive=archive, database=database, files_dir=files, key=new_key())
    with pytest.raises(BackupError, match="wrong key or damaged"):
        backup_restore(archive=damaged, database=database, files_dir=files, key=key)
    with pytest.raises(BackupError, match="BACKUP_ENCRYPTION_KEY"):
        backup_restore(archive=archive, database=database, files_dir=files, key="not-a-key")

    assert [p.name for p in files.iterdir()] == ["current.pdf"]


def test_no_key_no_backup(source, tmp_path, monkeypatch):
    monkeypatch.delenv("BACKUP_ENCRYPTION_KEY", raising=False)

    with pytest.raises(BackupError, match="BACKUP_ENCRYPTION_KEY is not set"):
        backup_create(output=tmp_path / "b.bak", database=source["database"], files_dir=source["files"])

    assert not (tmp_path / "b.bak").exists()


@pytest.mark.postgres
def test_postgresql_backup_restores_into_an_empty_database(transactional_db, source, tmp_path):
    people = {UserFactory(full_name="สมหญิง ใจดี").email for _ in range(3)}
    key = new_key()
    archive = tmp_path / "backup.bak"
    backup_create(output=archive, files_dir=source["files"], key=key)
    database = {**settings.DATABASES["default"], "NAME": connection.settings_dict["NAME"] + "_restore"}
    admin = ["--host", str(database["HOST"] or "127.0.0.1"), "--username", str(database["USER"] or "postgres")]
    subprocess.run(["dropdb", "--if-exists", *admin, database["NAME"]], check=True)
    subprocess.run(["createdb", *admin, database["NAME"]], check=True)
    try:
        backup_restore(archive=archive, database=database, files_dir=tmp_path / "restored", key=key)
        conninfo = (
            f"host={database['HOST']} port={database['PORT'] or 5432} user={database['USER']} dbname={database['NAME']}"
        )
        with psycopg.connect(conninfo) as restored:
            emails = {row[0] for row in restored.execute("SELECT email FROM incubator_user")}
            names = {row[0] for row in restored.execute("SELECT full_name FROM incubator_user")}
    finally:
        subprocess.run(["dropdb", "--if-exists", *admin, database["NAME"]], check=True)

    assert emails == people
    assert names == {"สมหญิง ใจดี"}
    assert (tmp_path / "restored" / THAI_FILE).read_bytes() == b"%PDF-1.4 plan"


def test_the_commands_make_a_key_and_refuse_to_run_without_one(tmp_path, monkeypatch):
    from io import StringIO

    from cryptography.fernet import Fernet
    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("backup", "--new-key", stdout=out)
    monkeypatch.delenv("BACKUP_ENCRYPTION_KEY", raising=False)

    assert Fernet(out.getvalue().strip().encode())
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY is not set"):
        call_command("backup", str(tmp_path / "b.bak"))
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY is not set"):
        call_command("restore", str(tmp_path / "b.bak"), "--yes")
