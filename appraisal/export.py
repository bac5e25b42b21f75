"""The year's results as a workbook (the year page with ?format=xlsx, its filters applied)."""

from openpyxl import Workbook

from core.xlsx import append_row, xlsx_response

from . import explain

HEADERS = [
    "讲师", "镇街", "教学态度", "教学能力", "教学效果", "满意度", "授课质量", "授课次数",
    "基层授课次数", "开发修订课程", "综合得分", "计算等次", "评定等次", "调整理由", "未评定原因",
    "评定依据",
]  # fmt: skip
WIDTHS = [10, 12, 9, 9, 9, 9, 9, 9, 11, 11, 9, 9, 9, 24, 24, 40]


def results_workbook(run, results):
    book = Workbook()
    sheet = book.active
    sheet.title = f"{run.year}年度考核"
    append_row(sheet, HEADERS)
    for r in results.iterator(chunk_size=500):
        append_row(
            sheet,
            [
                r.lecturer.name,
                r.town.name if r.town else "县直",
                r.attitude, r.ability, r.effect, r.satisfaction, r.quality,
                r.invitations, r.grassroots_sessions, r.courses_developed,
                r.score,
                explain.grade_label(r.computed_grade) if r.computed_grade else "",
                explain.grade_label(r.grade),
                r.override_reason,
                r.not_graded_reason,
                ";".join(explain.step_text(step) for step in r.steps),
            ],
        )  # fmt: skip
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    return xlsx_response(
        book,
        filename=f"{run.year}年度讲师考核结果.xlsx",
        fallback=f"appraisal-{run.year}.xlsx",
    )
