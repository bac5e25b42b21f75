"""`manage.py backup` / `manage.py restore`: the database and the uploaded files in one tar.

The database copy is consistent and taken online, while the site goes on writing:
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot; `pg_dump -Fc --snapshot`
  dumps exactly that snapshot, and the same transaction counts every table's rows for the
  manifest, so the counts describe the dump.
- SQLite: the backup API copies every page in one step, inside one read transaction (WAL
  lets writers go on); the counts are read from the copy.
The files (MEDIA_ROOT, PRIVATE_MEDIA_ROOT) are copied after the database: an upload is saved
before the row that names it commits, so every file the copy names is in the archive (a file
newer than the copy is at worst one nothing names yet).

The archive: manifest.json (format, vendor, when, every table's row count, the files), then
database.dump or database.sqlite3, then media/… and private/…. A restore goes into an empty
database only (and empty file folders), then checks every table's count against the
manifest."""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from . import read_cache

FORMAT = 1
MANIFEST = "manifest.json"
FILE_ROOTS = {"media": "MEDIA_ROOT", "private": "PRIVATE_MEDIA_ROOT"}


class BackupError(Exception):
    """What keeps a backup or a restore from going ahead, said for the operator."""


@dataclass
class Summary:
    tables: int
    rows: int
    files: int


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def _count_rows(cursor, tables: list[str], quote) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (a quoted table name)
        counts[table] = cursor.fetchone()[0]
    return counts


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGUSER": db["USER"] or ""}
    if db.get("HOST"):
        env["PGHOST"] = db["HOST"]
    if db.get("PORT"):
        env["PGPORT"] = str(db["PORT"])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(argv: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(argv[0])
    if tool is None:
        raise BackupError(f"{argv[0]} is not installed (apt-get install postgresql-client)")
    result = subprocess.run([tool, *argv[1:]], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {result.stderr.strip()}")


def _dump_postgresql(target: Path) -> dict[str, int]:
    quote = connection.ops.quote_name
    tables = _tables()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count_rows(cursor, tables, quote)
        # The snapshot lives as long as this transaction: pg_dump runs inside it.
        _run(["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(target)], _pg_env())
    return counts


def _dump_sqlite(target: Path) -> dict[str, int]:
    # The backup API in one step (pages=-1) copies every page inside one read transaction;
    # VACUUM INTO would rebuild the indexes, some of which call Django's SQL functions.
    source = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=-1)
        names = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return _count_rows(copy.cursor(), sorted(names), connection.ops.quote_name)
    finally:
        copy.close()
        source.close()


def _files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def backup(output: Path) -> Summary:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"backups of {vendor} databases are not supported")
    database_name = "database.dump" if vendor == "postgresql" else "database.sqlite3"
    with tempfile.TemporaryDirectory(dir=output.parent) as work:
        copy = Path(work) / database_name
        counts = _dump_postgresql(copy) if vendor == "postgresql" else _dump_sqlite(copy)
        files = {
            folder: _files(Path(getattr(settings, setting)))
            for folder, setting in FILE_ROOTS.items()
        }
        manifest = {
            "format": FORMAT,
            "vendor": vendor,
            "created_at": timezone.now().isoformat(),
            "database": database_name,
            "tables": counts,
            "files": {folder: len(paths) for folder, paths in files.items()},
        }
        partial = Path(work) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(copy, arcname=database_name)
            for folder, setting in FILE_ROOTS.items():
                root = Path(getattr(settings, setting))
                for path in files[folder]:
                    archive.add(path, arcname=f"{folder}/{path.relative_to(root)}")
        # Whole or not at all: a backup cut short never stands where a good one is expected.
        partial.replace(output)
    return Summary(len(counts), sum(counts.values()), sum(manifest["files"].values()))


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, ValueError, AttributeError):
        raise BackupError("this file is not a Jiangtai backup (no manifest.json)") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not one this version reads")
    return manifest


def _refuse_unless_empty(manifest: dict) -> None:
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"this backup is of a {manifest['vendor']} database and DATABASE_URL names a "
            f"{vendor} one: restore it into the same kind"
        )
    tables = _tables()
    if tables:
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} is not empty ({len(tables)} tables): "
            f"restore only into a new, empty database (createdb, and no migrate before)"
        )
    for setting in FILE_ROOTS.values():
        root = Path(getattr(settings, setting))
        if _files(root):
            raise BackupError(
                f"{setting} ({root}) is not empty: restore files only into an empty folder"
            )


def restore(source: Path) -> Summary:
    try:
        archive = tarfile.open(source, "r:*")  # noqa: SIM115 (closed by the `with` below)
    except tarfile.TarError:
        raise BackupError(f"{source} is not a Jiangtai backup (not a tar archive)") from None
    with archive:
        manifest = _read_manifest(archive)
        _refuse_unless_empty(manifest)
        with tempfile.TemporaryDirectory() as work:
            archive.extract(manifest["database"], path=work, filter="data")
            copy = Path(work) / manifest["database"]
            if connection.vendor == "postgresql":
                _run(["pg_restore", "--no-owner", "--exit-on-error", "-d",
                      connection.settings_dict["NAME"], str(copy)], _pg_env())  # fmt: skip
            else:
                connections.close_all()
                shutil.copyfile(copy, connection.settings_dict["NAME"])
        files = 0
        for member in archive.getmembers():
            folder, _sep, rest = member.name.partition("/")
            if folder in FILE_ROOTS and rest and member.isfile():
                root = Path(getattr(settings, FILE_ROOTS[folder]))
                root.mkdir(parents=True, exist_ok=True)
                member.name = rest
                archive.extract(member, path=root, filter="data")
                files += 1
    counts = _count_rows(connection.cursor(), sorted(manifest["tables"]), connection.ops.quote_name)
    wrong = {t: (n, counts[t]) for t, n in manifest["tables"].items() if counts[t] != n}
    if wrong or files != sum(manifest["files"].values()):
        raise BackupError(f"the restored copy differs from the backup's manifest: {wrong}")
    read_cache.start_afresh()  # the copy brought back the generation of its day
    return Summary(len(counts), sum(counts.values()), files)
