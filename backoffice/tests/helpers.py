"""Building workbooks for the import tests, and running an import's task."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LECTURER_HEADERS = [
    "姓名", "手机号", "来源", "级别", "所属组织", "性别", "出生年月", "工作单位", "职务",
    "专长", "授课风格", "简介", "纬度", "经度",
]  # fmt: skip


def workbook_bytes(rows: list[list], *, title: str = "Sheet") -> bytes:
    """A workbook written by openpyxl itself (not core.xlsx): formulas stay formulas."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def lecturer_rows(n: int, *, start: int = 0, org: str = "") -> list[list]:
    rows = [LECTURER_HEADERS]
    for i in range(start, start + n):
        rows.append(
            [f"讲师{i:05d}", f"137{i:08d}", "党校教师", "县级讲师", org, "女" if i % 2 else "男",
             "1975-03", "县委党校", "讲师", "党史、乡村振兴", "", "", 36.5, 118.5]
        )  # fmt: skip
    return rows


def zip_bytes(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()
