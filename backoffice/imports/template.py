"""The downloadable template of each kind: the headers (required ones marked *), two example
rows that import as they are, and a sheet that explains every column."""

from django.utils import translation
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.xlsx import append_row

from . import KINDS


def template_workbook(kind: str, county) -> Workbook:
    module = KINDS[kind]
    columns = module.columns()
    book = Workbook()
    sheet = book.active
    sheet.title = module.SHEET
    append_row(sheet, [f"{c.header}*" if c.required else c.header for c in columns])
    for row in module.examples(county):
        append_row(sheet, row)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    append_row(notes, ["列", "必填", "说明"])
    for column in columns:
        append_row(notes, [column.header, "是" if column.required else "", column.help])
    with translation.override("zh-hans"):
        for extra in _notes(kind):
            append_row(notes, ["", "", extra])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["C"].width = 80
    return book


def _notes(kind: str) -> list[str]:
    common = [
        "第一行是列名，请勿修改；示例行可以删除或改写，也可以原样导入。",
        "整个文件先检查，有任何错误都不会写入，错误会逐行列出（工作表、行、列、原因）。",
        "再次导入同一个文件不会重复创建：已有的记录按匹配规则找到，只更新有变化的内容；留空的选填列保持原值。",
        "单元格里的公式按文字读取，不会计算。每个文件最多 10,000 行、10 MB。",
    ]
    if kind == "lecturers":
        return [
            *common,
            "按手机号匹配已有讲师。新讲师的登录名为手机号，初始密码在导入完成后由县级管理员下载名单时生成，首次登录须修改。",
            "来源：党校教师、基层党组织书记、先进模范人物、党务工作者、专家学者、实用技术人才、离退休干部。",
            "级别：县级讲师、镇级讲师。性别：女、男。",
        ]
    if kind == "courses":
        return [
            *common,
            "按讲师手机号和课程名称匹配已有课程；请先导入讲师。",
            "类别：政治理论、革命传统、形势政策、工作实务、典型事迹。",
            "适用对象：机关事业单位、“两新”组织、农村、社区、离退休、流动党员。",
            "适用课堂：教室课堂、云上课堂、板凳课堂、现场课堂。",
        ]
    return [
        *common,
        "按上级组织内的名称匹配已有组织。镇（街道）的上级写县名；村（社区、单位）党组织的上级写县名或镇（街道）名，同一文件中先出现的镇也可以。",
        "党员群体：机关事业单位、“两新”组织、农村、社区、离退休、流动党员。",
    ]
