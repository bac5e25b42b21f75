"""The whole file is checked first: every problem listed with sheet, row and column, and
nothing written unless the whole file is valid."""

import pytest

from accounts.models import User
from backoffice import services
from backoffice.models import ImportJob
from core.models import AuditLog
from core.tests.factories import make_lecturer
from courses.models import Course
from lecturers.models import Lecturer
from orgs.models import Organisation

from .helpers import LECTURER_HEADERS, upload, workbook_bytes


def run_import(actor, kind: str, content: bytes, name: str = "导入.xlsx") -> ImportJob:
    job = services.import_start(actor=actor, kind=kind, upload=upload(content, name))
    services.import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def row(**cells) -> list:
    values = {
        "姓名": "周文华", "手机号": "13600000001", "来源": "党校教师", "级别": "县级讲师",
        "所属组织": "", "性别": "", "出生年月": "", "工作单位": "", "职务": "", "专长": "",
        "授课风格": "", "简介": "", "纬度": None, "经度": None,
    }  # fmt: skip
    values.update(cells)
    return [values[h] for h in LECTURER_HEADERS]


def counts():
    return (
        Lecturer.objects.count(),
        User.objects.count(),
        Organisation.objects.count(),
        Course.objects.count(),
        AuditLog.objects.exclude(action__startswith="import.").count(),
    )


@pytest.mark.django_db(transaction=True)
def test_it_lists_every_error_of_a_messy_lecturer_file_and_writes_nothing(world):
    """Thirteen kinds of problem, each reported with sheet, row and column."""
    make_lecturer(world.county_b, "外县讲师").__class__.objects.filter(county=world.county_b).update(phone="13600000099")  # fmt: skip
    rows = [
        LECTURER_HEADERS,
        row(),  # row 2: valid
        row(姓名="", 手机号="13600000002"),  # 3: missing field
        row(手机号="12345"),  # 4: bad phone
        row(手机号="13600000001"),  # 5: same phone as row 2
        row(手机号="13900000002"),  # 6: the secretary's phone (another person's account)
        row(手机号="13600000099"),  # 7: a lecturer of another county
        row(手机号="13600000003", 来源="网红"),  # 8: bad source
        row(手机号="13600000004", 级别="省级"),  # 9: bad level
        row(手机号="13600000005", 所属组织="不存在村"),  # 10: unknown organisation
        row(手机号="13600000006", 出生年月="1975-13"),  # 11: bad date
        row(手机号="13600000007", 纬度="北纬三十六度", 经度=118.5),  # 12: text in a number column
        row(手机号="13600000008", 纬度=48.8, 经度=2.35),  # 13: coordinates outside China (Paris)
        row(手机号="13600000009", 姓名="张" * 40),  # 14: name too long
        row(手机号="13600000010", 性别="未知"),  # 15: bad gender
        row(手机号="13600000011", 出生年月="=DATE(1975,1,1)"),  # 16: a formula is text, not a date
    ]
    before = counts()
    job = run_import(world.county_admin, "lecturers", workbook_bytes(rows, title="讲师"))
    assert job.status == "invalid" and job.progress == 100
    found = {(e["row"], e["column"]) for e in job.errors}
    expected = {
        (3, "A"), (4, "B"), (5, "B"), (6, "B"), (7, "B"), (8, "C"), (9, "D"), (10, "E"),
        (11, "G"), (12, "M"), (13, "N"), (14, "A"), (15, "F"), (16, "G"),
    }  # fmt: skip
    assert expected <= found, sorted(found)
    assert all(e["sheet"] == "讲师" and e["message"] for e in job.errors)
    by_row = {e["row"]: e["message"] for e in job.errors}
    assert "第 2 行" in by_row[5] or "2" in by_row[5]
    assert "另一个县" in by_row[7] or "another county" in by_row[7]
    assert "10,000" not in str(job.errors)
    assert not any(e["row"] == 2 for e in job.errors)
    assert counts() == before
    assert not User.objects.filter(phone="13600000001").exists()


@pytest.mark.django_db(transaction=True)
def test_it_lists_the_errors_of_messy_organisation_and_course_files(world):
    orgs = [
        ["名称", "层级", "上级组织", "党员群体", "地址", "纬度", "经度"],
        ["新镇", "镇", "甲县", "", "", None, None],  # valid
        ["新村党支部", "村", "新镇", "农村", "", None, None],  # valid: under a town of this file
        ["", "村", "东镇", "", "", None, None],  # missing name
        ["某村", "村", "无名镇", "", "", None, None],  # unknown town
        ["某社区", "省", "东镇", "", "", None, None],  # bad level
        ["某单位", "村", "东镇", "外星人", "", None, None],  # bad group
        ["新村党支部", "村", "新镇", "", "", None, None],  # duplicate inside the file
        ["坐标村", "村", "东镇", "", "", 36.5, None],  # half a coordinate pair
        ["错镇", "镇", "东镇", "", "", None, None],  # a town under a town
    ]
    before = counts()
    job = run_import(world.county_admin, "orgs", workbook_bytes(orgs, title="组织"))
    assert job.status == "invalid"
    assert {(e["row"], e["column"]) for e in job.errors} >= {
        (4, "A"), (5, "C"), (6, "B"), (7, "D"), (8, "A"), (9, "G"), (10, "C"),
    }  # fmt: skip
    courses = [
        [
            "讲师手机号",
            "课程名称",
            "类别",
            "时长(分钟)",
            "教学目标",
            "内容提纲",
            "课程结构",
            "适用对象",
            "适用课堂",
        ],
        [world.zhang.phone, "新课", "政治理论", 90, "", "", "", "农村", ""],  # valid
        ["13611112222", "无主的课", "政治理论", 90, "", "", "", "", ""],  # unknown lecturer
        [world.zhang.phone, "坏类别", "娱乐", 90, "", "", "", "", ""],  # bad category
        [world.zhang.phone, "长" * 101, "政治理论", 90, "", "", "", "", ""],  # title too long
        [world.zhang.phone, "坏时长", "政治理论", "一个半小时", "", "", "", "", ""],  # text
        [world.zhang.phone, "太长", "政治理论", 600, "", "", "", "", ""],  # out of range
        [world.zhang.phone, "坏对象", "政治理论", 90, "", "", "", "火星", ""],  # bad audience
        [world.zhang.phone, "新课", "政治理论", 90, "", "", "", "", ""],  # duplicate in file
        [world.lecturer_b.phone, "外县的课", "政治理论", 90, "", "", "", "", ""],  # other county
    ]
    job = run_import(world.county_admin, "courses", workbook_bytes(courses, title="课程"))
    assert job.status == "invalid"
    assert {(e["row"], e["column"]) for e in job.errors} >= {
        (3, "A"), (4, "C"), (5, "B"), (6, "D"), (7, "D"), (8, "H"), (9, "B"), (10, "A"),
    }  # fmt: skip
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_wrong_headers_are_named_and_nothing_is_written(world):
    rows = [["名字", "电话", "来源", "级别"], ["周文华", "13600000001", "党校教师", "县级讲师"]]
    job = run_import(world.county_admin, "lecturers", workbook_bytes(rows))
    assert job.status == "invalid"
    messages = " ".join(e["message"] for e in job.errors)
    assert "名字" in messages and "姓名" in messages and "手机号" in messages
    assert all(e["row"] == 1 for e in job.errors)
    assert not Lecturer.objects.filter(phone="13600000001").exists()


@pytest.mark.django_db(transaction=True)
def test_a_formula_is_read_as_its_text_and_never_evaluated(world):
    rows = [LECTURER_HEADERS, row(姓名="=1+1", 专长='=HYPERLINK("http://x.example","点我")')]
    job = run_import(world.county_admin, "lecturers", workbook_bytes(rows))
    assert job.status == "done", job.errors
    lecturer = Lecturer.objects.get(phone="13600000001")
    assert lecturer.name == "=1+1"
    assert lecturer.specialties.startswith("=HYPERLINK(")


@pytest.mark.django_db(transaction=True)
def test_reimporting_a_changed_file_updates_only_what_changed(world):
    rows = [LECTURER_HEADERS, row(), row(姓名="钱七", 手机号="13600000002", 所属组织="东村党支部")]
    first = run_import(world.county_admin, "lecturers", workbook_bytes(rows))
    assert (first.status, first.created) == ("done", 2)
    lecturer = Lecturer.objects.get(phone="13600000002")
    assert lecturer.org_id == world.branch.pk and lecturer.name_initials == "qq"
    version = lecturer.version
    assert lecturer.user.must_change_password and not lecturer.user.has_usable_password()
    rows[2] = row(姓名="孙八", 手机号="13600000002", 简介="新的简介")
    second = run_import(world.county_admin, "lecturers", workbook_bytes(rows))
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    lecturer.refresh_from_db()
    # an empty optional cell (所属组织) keeps what is stored
    assert (lecturer.name, lecturer.name_pinyin, lecturer.bio) == ("孙八", "sunba", "新的简介")
    assert lecturer.org_id == world.branch.pk
    # A résumé edit begun before the import is refused (409), not silently overwriting it.
    assert lecturer.version == version + 1
    entry = AuditLog.objects.get(action="lecturer.update", object_id=str(lecturer.pk))
    assert entry.before["name"] == "钱七" and entry.after["name"] == "孙八"
    assert entry.actor == world.county_admin and entry.county_id == world.county.pk


ORG_HEADERS = ["名称", "层级", "上级组织", "党员群体", "地址", "纬度", "经度"]


@pytest.mark.django_db(transaction=True)
def test_an_organisation_file_is_written_through_the_access_app_and_reimported(world):
    """The tree's writes go through access.services: each new or changed organisation is
    audited with the import's number, and a re-import changes only what changed."""
    rows = [
        ORG_HEADERS,
        ["新镇", "镇", "甲县", "", "", None, None],
        ["新村党支部", "村", "新镇", "农村", "新村村委会", 36.5, 118.5],
        ["东村党支部", "村", "东镇", "农村", "", None, None],  # exists, unchanged
    ]
    first = run_import(world.county_admin, "orgs", workbook_bytes(rows, title="组织"))
    assert (first.status, first.created, first.unchanged) == ("done", 2, 1), first.errors
    village = Organisation.objects.get(name="新村党支部")
    assert village.parent.name == "新镇" and village.county_id == world.county.pk
    created = AuditLog.objects.filter(action="org.create").order_by("id")
    assert [e.after["name"] for e in created] == ["新镇", "新村党支部"]
    assert all(e.after["import_job"] == first.pk and e.actor == world.county_admin for e in created)
    rows[3] = ["东村党支部", "村", "东镇", "", "东村村委会", None, None]  # address added
    second = run_import(world.county_admin, "orgs", workbook_bytes(rows, title="组织"))
    assert (second.status, second.created, second.updated, second.unchanged) == ("done", 0, 1, 2)
    world.branch.refresh_from_db()
    assert world.branch.address == "东村村委会" and world.branch.group == "rural"
    entry = AuditLog.objects.get(action="org.update")
    assert entry.object_id == str(world.branch.pk) and entry.before == {"address": ""}
    assert entry.after == {"address": "东村村委会", "import_job": second.pk}


@pytest.mark.django_db(transaction=True)
def test_an_uploader_no_longer_county_admin_when_the_task_runs_writes_nothing(world):
    """The access app's services ask again at write time; the job says why it failed."""
    from orgs.models import Membership, Role

    rows = [ORG_HEADERS, ["新镇", "镇", "甲县", "", "", None, None]]
    job = services.import_start(
        actor=world.county_admin, kind="orgs", upload=upload(workbook_bytes(rows, title="组织"))
    )
    Membership.objects.filter(user=world.county_admin, role=Role.COUNTY_ADMIN).delete()
    before = counts()
    assert services.import_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.created == 0
    assert job.errors[0]["message"] == "您无权进行此操作。"
    assert counts() == before and not Organisation.objects.filter(name="新镇").exists()
