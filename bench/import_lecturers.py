"""Excel import of lecturers: the time to check and write a 5,000-row workbook, then to
re-import it unchanged, through the same service the background task runs.

Run from the repository root:

    .venv/bin/python bench/import_lecturers.py [--rows 5000] [--database-url postgres://…]

It builds its own database (SQLite in a temporary directory, or a new PostgreSQL database on
the server of --database-url), a county with 12 towns and 120 branches, a workbook of
--rows lecturers (every column filled, organisations named), and times, in this process:
the upload (file checks), the run (whole-file check, then the writes in chunks with progress,
audit entries, logins and memberships), the re-import (everything unchanged) and the issue of
the initial passwords. It removes what it created at the end, also on error or Ctrl-C.
"""

import argparse
import io
import secrets
import time

from _server import in_process_django, run

HEADERS = [
    "姓名", "手机号", "来源", "级别", "所属组织", "性别", "出生年月", "工作单位", "职务",
    "专长", "授课风格", "简介", "纬度", "经度",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国红梅海燕志强秀英立新卫东春华永刚玉兰"
SOURCES = ["党校教师", "基层党组织书记", "先进模范人物", "党务工作者", "专家学者", "实用技术人才", "离退休干部"]  # fmt: skip


def build_county():
    from accounts.models import User
    from orgs.models import Membership, Organisation, OrgLevel, Role

    county = Organisation.objects.create(name="基准县", level=OrgLevel.COUNTY)
    county.county = county
    county.save(update_fields=["county"])
    branches = []
    for t in range(12):
        town = Organisation.objects.create(
            name=f"第{t + 1}镇", level=OrgLevel.TOWN, parent=county, county=county
        )
        for b in range(10):
            branches.append(
                Organisation.objects.create(
                    name=f"第{t + 1}镇第{b + 1}村党支部",
                    level=OrgLevel.VILLAGE,
                    parent=town,
                    county=county,
                    group="rural",
                )
            )
    admin = User.objects.create_user("bench_admin", password=secrets.token_urlsafe(12), county=county)  # fmt: skip
    Membership.objects.create(user=admin, org=county, role=Role.COUNTY_ADMIN)
    return county, admin, branches


def workbook(rows: int, branches) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "讲师"
    sheet.append(HEADERS)
    for i in range(rows):
        name = SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20]
        sheet.append(
            [name, f"135{i:08d}", SOURCES[i % 7], "县级讲师" if i % 3 else "镇级讲师",
             branches[i % len(branches)].name, "女" if i % 2 else "男", f"{1955 + i % 50}-0{1 + i % 9}",
             "县委党校", "讲师", "党史、乡村振兴、基层治理", "案例式", "从事党员教育多年。" * 3,
             round(36.0 + (i % 100) / 100, 4), round(118.0 + (i % 97) / 100, 4)]
        )  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed_import(admin, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backoffice import services
    from backoffice.models import ImportJob

    started = time.perf_counter()
    job = services.import_start(
        actor=admin, kind="lecturers", upload=SimpleUploadedFile("讲师.xlsx", content)
    )
    uploaded = time.perf_counter()
    services.import_run(job_id=job.pk)
    finished = time.perf_counter()
    job = ImportJob.objects.get(pk=job.pk)
    return job, uploaded - started, finished - uploaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000, help="lecturers in the workbook")
    parser.add_argument("--database-url", help="a PostgreSQL server to use instead of SQLite")
    args = parser.parse_args()
    if not 1 <= args.rows <= 10_000:
        parser.error("--rows must be between 1 and 10000 (the import's limit)")

    with in_process_django(args.database_url):
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        _county, admin, branches = build_county()
        started = time.perf_counter()
        content = workbook(args.rows, branches)
        print(f"  workbook of {args.rows:,} lecturers: {len(content) / 1024:.0f} KB, built in {time.perf_counter() - started:.1f} s")  # fmt: skip

        from backoffice import services
        from core.models import AuditLog
        from lecturers.models import Lecturer

        job, upload_s, run_s = timed_import(admin, content)
        assert job.status == "done", (job.status, job.errors[:3])
        assert job.created == args.rows and Lecturer.objects.count() == args.rows
        print(f"  first import:  upload {upload_s:.2f} s, check + write {run_s:.1f} s "
              f"({args.rows / run_s:,.0f} rows/s) → created {job.created}, updated {job.updated}, unchanged {job.unchanged}")  # fmt: skip
        again, upload_s, run_s = timed_import(admin, content)
        assert (again.created, again.updated, again.unchanged) == (0, 0, args.rows)
        print(f"  re-import:     upload {upload_s:.2f} s, check {run_s:.1f} s → created 0, updated 0, unchanged {again.unchanged}")  # fmt: skip
        started = time.perf_counter()
        issued = services.import_passwords_issue(actor=admin, job=job)
        print(f"  initial passwords for {len(issued):,} logins: {time.perf_counter() - started:.1f} s")  # fmt: skip
        print(f"  audit entries written: {AuditLog.objects.count():,}")
    return 0


if __name__ == "__main__":
    run(main)
