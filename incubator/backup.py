"""Backups that restore: the database and the private files in one encrypted archive.

`manage.py backup <file>` writes one file; `manage.py restore <file>` puts both back. What the
archive holds (a tar, before encryption):

- `database.dump`: `pg_dump --format=custom` on PostgreSQL (restored with `pg_restore`), or a
  copy of the SQLite file made through SQLite's online backup API (`make run`);
- `files/...`: every file under the private storage (`PRIVATE_MEDIA_ROOT`);
- `manifest.json`: when, which database engine, and every file's size and SHA-256.

Encryption at rest: the tar is cut into 4 MiB chunks, each encrypted and authenticated with
Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`) under `BACKUP_ENCRYPTION_KEY` (make one
with `manage.py backup --new-key`), each written as a 4-byte length and the token, after a
magic line. A wrong key or a changed byte fails the restore before anything is touched;
chunks keep memory flat however big the backup is. Keep the key away from the backups.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils import timezone

MAGIC = b"INCUBATOR-BACKUP-1\n"
CHUNK = 4 * 1024 * 1024


class BackupError(Exception):
    pass


def new_key() -> str:
    return Fernet.generate_key().decode()


def _fernet(key: str | None) -> Fernet:
    key = key or os.environ.get("BACKUP_ENCRYPTION_KEY", "")
    if not key:
        raise BackupError("BACKUP_ENCRYPTION_KEY is not set (make one with: manage.py backup --new-key).")
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except ValueError as error:
        raise BackupError("BACKUP_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64 bytes).") from error


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(database: dict) -> dict:
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _pg_args(database: dict) -> list[str]:
    args = ["--dbname", database["NAME"]]
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    return args


def _dump_database(database: dict, target: Path) -> str:
    engine = database["ENGINE"]
    if engine == "django.db.backends.postgresql":
        subprocess.run(  # noqa: S603  (fixed program, arguments from the settings)
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                *_pg_args(database),
            ],
            check=True,
            env=_pg_env(database),
        )
        return "postgresql"
    if engine == "django.db.backends.sqlite3":
        source = sqlite3.connect(str(database["NAME"]))
        copy = sqlite3.connect(str(target))
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
        return "sqlite"
    raise BackupError(f"No backup for the database engine {engine}.")


def _restore_database(database: dict, source: Path, engine: str) -> None:
    if engine == "postgresql":
        if database["ENGINE"] != "django.db.backends.postgresql":
            raise BackupError("This backup is of a PostgreSQL database; DATABASE_URL is not PostgreSQL.")
        subprocess.run(  # noqa: S603
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *_pg_args(database),
                str(source),
            ],
            check=True,
            env=_pg_env(database),
        )
        return
    if database["ENGINE"] != "django.db.backends.sqlite3":
        raise BackupError("This backup is of a SQLite database; DATABASE_URL is not SQLite.")
    backup = sqlite3.connect(str(source))
    target = sqlite3.connect(str(database["NAME"]))
    with target:
        backup.backup(target)
    target.close()
    backup.close()


def backup_create(*, output: Path, database: dict | None = None, files_dir: Path | None = None, key=None) -> dict:
    """Write the encrypted archive to `output`; return its manifest."""
    fernet = _fernet(key)
    database = database or settings.DATABASES["default"]
    files_dir = Path(files_dir or settings.PRIVATE_MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="backup-") as tmp:
        dump = Path(tmp) / "database.dump"
        engine = _dump_database(database, dump)
        files = {}
        if files_dir.exists():
            for path in sorted(p for p in files_dir.rglob("*") if p.is_file()):
                files[path.relative_to(files_dir).as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        manifest = {
            "created_at": timezone.now().isoformat(),
            "engine": engine,
            "database_sha256": _sha256(dump),
            "files": files,
        }
        plain = Path(tmp) / "backup.tar"
        with tarfile.open(plain, "w") as tar:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname="database.dump")
            for name in files:
                tar.add(files_dir / name, arcname=f"files/{name}")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with plain.open("rb") as source, partial.open("wb") as target:
            target.write(MAGIC)
            for block in iter(lambda: source.read(CHUNK), b""):
                token = fernet.encrypt(block)
                target.write(struct.pack(">I", len(token)))
                target.write(token)
        partial.replace(output)  # a backup interrupted half-way never looks complete
    return manifest


def _decrypt(archive: Path, target: Path, fernet: Fernet) -> None:
    with archive.open("rb") as source, target.open("wb") as plain:
        if source.read(len(MAGIC)) != MAGIC:
            raise BackupError("Not a backup made by manage.py backup.")
        while header := source.read(4):
            (length,) = struct.unpack(">I", header)
            token = source.read(length)
            try:
                plain.write(fernet.decrypt(token))
            except InvalidToken as error:
                raise BackupError("The backup cannot be decrypted: wrong key or damaged file.") from error


def backup_restore(*, archive: Path, database: dict | None = None, files_dir: Path | None = None, key=None) -> dict:
    """Put the database and the private files of `archive` back (the files folder is emptied
    first); every file is checked against the manifest. Returns the manifest."""
    fernet = _fernet(key)
    database = database or settings.DATABASES["default"]
    files_dir = Path(files_dir or settings.PRIVATE_MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="restore-") as tmp:
        plain = Path(tmp) / "backup.tar"
        _decrypt(Path(archive), plain, fernet)  # everything is checked before anything changes
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(plain) as tar:
            tar.extractall(unpacked, filter="data")
        manifest = json.loads((unpacked / "manifest.json").read_text())
        dump = unpacked / "database.dump"
        if _sha256(dump) != manifest["database_sha256"]:
            raise BackupError("The database dump does not match the manifest.")
        for name, meta in manifest["files"].items():
            if _sha256(unpacked / "files" / name) != meta["sha256"]:
                raise BackupError(f"A file does not match the manifest: {name}")
        _restore_database(database, dump, manifest["engine"])
        if files_dir.exists():
            shutil.rmtree(files_dir)
        files_dir.mkdir(parents=True)
        if (unpacked / "files").exists():
            shutil.copytree(unpacked / "files", files_dir, dirs_exist_ok=True)
    return manifest
