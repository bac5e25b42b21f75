"""The lecturer's own pages (/my/) and the county's course review (/manage/courses/): each
role's scope, bad input on the forms, and a proposal's way from the phone to the catalogue."""

import pytest

from core.models import AuditLog
from core.tests.factories import make_course, make_lecturer
from courses.models import Course, CourseRevision, CourseStatus
from courses.services import course_create, course_return
from courses.tests.courseware_files import EXE, HTML, PDF, PPTX, upload
from lecturers.lifecycle import lecturer_status_change
from lecturers.models import LecturerHonour
from lecturers.services import OWN_FIELDS
from notifications.models import InboxMessage

pytestmark = pytest.mark.django_db

MY_PAGES = ("/my/", "/my/courses/", "/my/courses/new/", "/my/record/")


def proposal(**change) -> dict:
    data = {
        "title": "基层党组织标准化建设",
        "category": "practical_work",
        "outline": "一、标准\n二、流程",
        "objectives": "规范组织生活",
        "audiences": ["rural", "community"],
        "duration_minutes": "90",
    }
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


def written() -> tuple:
    return (
        list(
            Course.objects.values_list(
                "pk",
                "title",
                "status",
                "change_status",
                "attachment",
                "pending_attachment",
                "review_note",
            ).order_by("pk")
        ),
        CourseRevision.objects.count(),
        AuditLog.objects.count(),
    )


# --- the lecturer's own pages ---------------------------------------------------------------


def test_my_pages_are_the_lecturer_s_own(world, client):
    client.force_login(world.lecturer)
    for path in MY_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "张三丰" in response.content.decode()
    home = client.get("/").content.decode()
    assert 'href="/my/"' in home and 'href="/my/courses/"' in home and 'href="/my/record/"' in home
    for user in (world.county_admin, world.town_admin, world.secretary, world.outsider):
        client.force_login(user)
        for path in MY_PAGES:
            assert client.get(path).status_code == 403, (user, path)
        assert 'href="/my/"' not in client.get("/").content.decode()
    client.logout()
    for path in MY_PAGES:
        assert client.get(path).status_code == 302
    # Another lecturer's course cannot be changed from my pages.
    client.force_login(world.li.user)
    assert client.get(f"/my/courses/{world.course.pk}/change/").status_code == 404
    assert client.post(f"/my/courses/{world.course.pk}/change/", proposal()).status_code == 404
    client.force_login(world.lecturer)
    assert client.get(f"/my/courses/{world.course_b.pk}/change/").status_code == 404


def test_the_profile_edits_the_own_fields_and_shows_a_conflict(world, client):
    assert set(OWN_FIELDS) == {"bio", "specialties", "teaching_style"}  # the form's fields
    client.force_login(world.lecturer)
    page = client.get("/my/").content.decode()
    assert 'name="version" value="1"' in page and "乡村振兴、产业发展" in page
    saved = client.post("/my/", {"specialties": "党史、乡村振兴", "teaching_style": "案例教学", "bio": "县委党校讲师", "version": "1"})  # fmt: skip
    assert saved.status_code == 302
    world.zhang.refresh_from_db()
    assert (world.zhang.specialties, world.zhang.teaching_style, world.zhang.version) == ("党史、乡村振兴", "案例教学", 2)  # fmt: skip
    # An edit begun before that one (version 1) loses nothing: refused, shown, not written.
    stale = client.post("/my/", {"specialties": "别的专长", "teaching_style": "案例教学", "bio": "县委党校讲师", "version": "1"})  # fmt: skip
    assert stale.status_code == 409
    assert "他人刚刚修改了这位讲师的信息" in stale.content.decode()
    world.zhang.refresh_from_db()
    assert world.zhang.specialties == "党史、乡村振兴"
    too_long = client.post("/my/", {"specialties": "长" * 400, "teaching_style": "", "bio": "", "version": "2"})  # fmt: skip
    assert too_long.status_code == 422 and 'id="field-specialties"' in too_long.content.decode()
    assert "最多300个字符" in too_long.content.decode()
    world.zhang.refresh_from_db()
    assert world.zhang.version == 2


def test_a_lecturer_proposes_a_course_with_courseware_from_the_phone(world, client):
    client.force_login(world.lecturer)
    response = client.post("/my/courses/new/", proposal(attachment=upload("标准化建设.pptx", PPTX)))
    assert response.status_code == 302 and response["Location"] == "/my/courses/"
    course = Course.objects.get(title="基层党组织标准化建设")
    assert course.status == CourseStatus.PROPOSED and course.lecturer == world.zhang
    assert course.audiences == ["rural", "community"] and course.outline == "一、标准\n二、流程"
    assert course.attachment_name == "标准化建设.pptx"
    mine = client.get("/my/courses/").content.decode()
    assert "基层党组织标准化建设" in mine and "待审批" in mine
    assert not CourseRevision.objects.filter(course=course).exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"title": ""}, "title", "必填"),
        ({"category": "astrology"}, "category", "选择一个有效的选项"),
        ({"duration_minutes": "5"}, "duration_minutes", "10至480"),
        ({"duration_minutes": "600"}, "duration_minutes", "10至480"),
        ({"duration_minutes": "九十"}, "duration_minutes", "整数"),
        ({"attachment": upload("讲稿.pdf", EXE)}, "attachment", "不是真正的 PDF"),
        ({"attachment": upload("讲稿.docx", HTML)}, "attachment", "不是真正的 DOCX"),
        (
            {"attachment": upload("大课件.pdf", PDF + b"0" * (30 * 1024 * 1024))},
            "attachment",
            "20 MB",
        ),
        ({"title": "乡村振兴战略与农村产业发展"}, "title", "同名"),
    ],
)
def test_a_bad_proposal_is_shown_on_its_field_and_nothing_is_written(world, client, change, field, words):  # fmt: skip
    client.force_login(world.lecturer)
    before = written()
    response = client.post("/my/courses/new/", proposal(**change))
    page = response.content.decode()
    assert response.status_code == 422, page
    assert f'<div class="field has-error" id="field-{field}">' in page
    assert words in page
    assert written() == before


def test_a_new_version_waits_while_the_offered_one_stays_bookable(world, client, login):
    client = login(world.lecturer)
    form = client.get(f"/my/courses/{world.course.pk}/change/").content.decode()
    assert "乡村振兴战略与农村产业发展" in form and "产业兴旺" in form
    response = client.post(
        f"/my/courses/{world.course.pk}/change/",
        proposal(
            title="乡村振兴战略与农村产业发展",
            category="situation_policy",
            outline="产业兴旺、人才振兴",
            audiences=[],
            attachment=upload("第二版.pdf", PDF),
        ),
    )
    assert response.status_code == 302
    course = Course.objects.get(pk=world.course.pk)
    assert course.status == CourseStatus.ACTIVE and course.change_status == CourseStatus.PROPOSED
    # Only what changed is proposed; the offered version is untouched.
    assert set(course.pending_change) == {"outline", "objectives"}
    assert course.outline == "产业兴旺" and course.pending_attachment_name == "第二版.pdf"
    mine = client.get("/my/courses/").content.decode()
    assert "新版本待审核" in mine and "内容提纲" in mine and "第二版.pdf" in mine
    # Nothing changed and no file: said so, nothing written.
    before = written()
    same = client.post(f"/my/courses/{world.course.pk}/change/", proposal(title="乡村振兴战略与农村产业发展", category="situation_policy", outline="产业兴旺、人才振兴", audiences=[]))  # fmt: skip
    assert same.status_code == 422 and "请至少提交一项要修改的内容" in same.content.decode()
    assert written() == before


def test_a_cold_stored_lecturer_sees_the_pages_but_proposes_nothing(world, client):
    lecturer_status_change(actor=world.county_admin, lecturer=world.zhang, status="cold_store", reason="年度考核不合格")  # fmt: skip
    client.force_login(world.lecturer)
    for path in ("/my/", "/my/courses/", "/my/record/"):
        page = client.get(path).content.decode()
        assert "冷库" in page and 'data-testid="my-status"' in page, path
    assert 'data-testid="propose-course"' not in client.get("/my/courses/").content.decode()
    before = written()
    response = client.post("/my/courses/new/", proposal())
    assert response.status_code == 409 and "不能申报课程" in response.content.decode()
    response = client.post(f"/my/courses/{world.course.pk}/change/", proposal(outline="新提纲"))
    assert response.status_code == 409
    assert written() == before


def test_the_record_composes_sessions_ratings_honours_and_history(world, client):
    from core.tests.factories import session

    session(world, started_minutes_ago=60 * 24 * 3, status="completed")
    session(world, started_minutes_ago=-60 * 24 * 5, status="confirmed")
    LecturerHonour.objects.create(lecturer=world.zhang, title="famous_lecturer", year=2025, note="全县评选")  # fmt: skip
    lecturer_status_change(actor=world.county_admin, lecturer=world.zhang, status="cold_store", reason="暂停授课")  # fmt: skip
    client.force_login(world.lecturer)
    page = client.get("/my/record/").content.decode()
    assert '<div class="stat" data-testid="held-count"><b>1</b>' in page
    assert '<div class="stat" data-testid="upcoming-count"><b>1</b>' in page
    assert "全县评选" in page and "暂停授课" in page
    assert "还没有评价" in page


# --- the county's review -----------------------------------------------------------------------


def test_the_review_pages_are_the_county_admin_s(world, client):
    proposed = course_create(actor=world.lecturer, lecturer=world.zhang, title="甲县的待审课", category="practical_work")  # fmt: skip
    paths = ("/manage/courses/", f"/manage/courses/{proposed.pk}/")
    client.force_login(world.county_admin)
    for path in paths:
        assert client.get(path).status_code == 200
    index = client.get("/manage/").content.decode()
    assert 'href="/manage/courses/?awaiting=on"' in index
    assert '<b data-testid="courses-waiting">1</b>' in index
    # Town admins (also over their own town's lecturers), secretaries, lecturers: refused.
    town_lecturer = make_lecturer(world.county, "钱七", org=world.branch, level="town")
    town_course = course_create(actor=town_lecturer.user, lecturer=town_lecturer, title="村务公开", category="practical_work")  # fmt: skip
    before = written()
    for user in (world.town_admin, world.secretary, world.lecturer, town_lecturer.user):
        client.force_login(user)
        for path in (*paths, f"/manage/courses/{town_course.pk}/"):
            assert client.get(path).status_code == 403, (user, path)
        for action in ("approve", "return"):
            response = client.post(
                f"/manage/courses/{town_course.pk}/{action}/", {"reason": "不行"}
            )
            assert response.status_code == 403, (user, action)
    # Another county's admin: not theirs to see.
    client.force_login(world.outsider)
    assert client.get("/manage/courses/").status_code == 200
    assert "甲县的待审课" not in client.get("/manage/courses/").content.decode()
    assert client.get(f"/manage/courses/{proposed.pk}/").status_code == 404
    assert client.post(f"/manage/courses/{proposed.pk}/approve/").status_code == 404
    assert client.post(f"/manage/courses/{proposed.pk}/return/", {"reason": "不行"}).status_code == 404  # fmt: skip
    client.logout()
    assert client.get("/manage/courses/").status_code == 302
    assert client.post(f"/manage/courses/{proposed.pk}/approve/").status_code == 302
    assert written() == before


def test_the_course_list_filters_searches_counts_and_pages(world, client):
    course_create(actor=world.lecturer, lecturer=world.zhang, title="标准化建设", category="practical_work")  # fmt: skip
    returned = course_create(actor=world.lecturer, lecturer=world.zhang, title="被退回的课", category="practical_work")  # fmt: skip
    course_return(actor=world.county_admin, course=returned, reason="提纲太简单")
    for i in range(25):
        make_course(world.li, f"党史专题{i:02d}", "revolutionary_tradition")
    client.force_login(world.county_admin)

    def rows(**params):
        page = client.get("/manage/courses/", params).content.decode()
        return page, page.count('data-testid="course-row"')

    page, n = rows()
    assert '<p class="count" data-testid="course-count">29门课程</p>' in page
    assert n == 20 and "?page=2" in page
    page, n = rows(page=2)
    assert n == 9
    assert rows(awaiting="on")[1] == 1
    assert rows(status="returned")[1] == 1
    assert rows(category="practical_work")[1] == 2
    assert rows(lecturer=world.zhang.pk)[1] == 3
    assert rows(q="党史专题2")[1] == 5
    assert rows(q="张三丰")[1] == 3
    # A bad filter value filters nothing rather than failing.
    assert client.get("/manage/courses/", {"status": "x", "lecturer": "abc", "page": "z"}).status_code == 200  # fmt: skip
    assert "乙县的课" not in client.get("/manage/courses/", {"q": "乙县"}).content.decode()


def test_a_proposal_reaches_the_catalogue_only_when_approved(world, client, login):
    lecturer = login(world.lecturer)
    lecturer.post("/my/courses/new/", proposal(attachment=upload("讲稿.pdf", PDF)))
    course = Course.objects.get(title="基层党组织标准化建设")
    secretary = login(world.secretary)
    assert "基层党组织标准化建设" not in secretary.get("/courses/").content.decode()
    assert secretary.get(f"/courses/{course.pk}/").status_code == 404
    assert secretary.get(f"/courses/{course.pk}/courseware/").status_code == 404
    admin = login(world.county_admin)
    review = admin.get(f"/manage/courses/{course.pk}/").content.decode()
    assert "申报的课程" in review and "规范组织生活" in review and "讲稿.pdf" in review
    assert 'data-testid="approve"' in review
    response = admin.post(f"/manage/courses/{course.pk}/approve/")
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE
    [revision] = CourseRevision.objects.filter(course=course)
    assert revision.kind == "created" and revision.changed_by == world.county_admin
    assert InboxMessage.objects.filter(recipient=world.lecturer, event="course_approved").exists()
    secretary = login(world.secretary)
    assert "基层党组织标准化建设" in secretary.get("/courses/").content.decode()
    detail = secretary.get(f"/courses/{course.pk}/").content.decode()
    assert 'data-testid="book-course"' in detail and "讲稿.pdf" in detail
    assert secretary.get(f"/courses/{course.pk}/courseware/").status_code == 200
    # Approving again: nothing waits, said so, nothing written.
    before = written()
    again = login(world.county_admin).post(f"/manage/courses/{course.pk}/approve/", follow=True)
    assert "没有待审核" in again.content.decode()
    assert written() == before


def test_a_returned_proposal_shows_the_reason_to_the_lecturer(world, client, login):
    course = course_create(actor=world.lecturer, lecturer=world.zhang, title="新课", category="practical_work")  # fmt: skip
    admin = login(world.county_admin)
    before = written()
    empty = admin.post(f"/manage/courses/{course.pk}/return/", {"reason": "  "})
    assert empty.status_code == 422 and 'id="field-reason"' in empty.content.decode()
    assert written() == before
    response = admin.post(f"/manage/courses/{course.pk}/return/", {"reason": "请补充教学目标"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.RETURNED and course.review_note == "请补充教学目标"
    lecturer = login(world.lecturer)
    mine = lecturer.get("/my/courses/").content.decode()
    assert "请补充教学目标" in mine and 'data-testid="return-reason"' in mine
    assert "请补充教学目标" in lecturer.get(f"/my/courses/{course.pk}/change/").content.decode()
    # Changed and proposed again: back in the county's queue, the reason cleared.
    again = lecturer.post(f"/my/courses/{course.pk}/change/", proposal(title="新课", objectives="补充后的目标"))  # fmt: skip
    assert again.status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.PROPOSED and course.objectives == "补充后的目标"
    assert course.review_note == ""


def test_a_proposed_version_is_compared_and_approved_as_a_revision(world, client, login):
    lecturer = login(world.lecturer)
    lecturer.post(
        f"/my/courses/{world.course.pk}/change/",
        proposal(
            title="乡村振兴战略与农村产业发展",
            category="situation_policy",
            outline="产业兴旺、人才振兴",
            objectives="",
            audiences=[],
            attachment=upload("第二版.pptx", PPTX),
        ),
    )
    admin = login(world.county_admin)
    review = admin.get(f"/manage/courses/{world.course.pk}/").content.decode()
    assert "申报的新版本" in review and "现行版本" in review
    assert 'data-testid="compare-outline"' in review and "产业兴旺、人才振兴" in review
    assert 'data-testid="compare-title"' not in review  # unchanged fields are not listed
    assert 'data-testid="pending-attachment"' in review and "第二版.pptx" in review
    assert admin.get(f"/courses/{world.course.pk}/courseware/proposed/").status_code == 200
    assert login(world.secretary).get(f"/courses/{world.course.pk}/courseware/proposed/").status_code == 404  # fmt: skip
    admin = login(world.county_admin)
    assert admin.post(f"/manage/courses/{world.course.pk}/approve/").status_code == 302
    course = Course.objects.get(pk=world.course.pk)
    assert course.outline == "产业兴旺、人才振兴" and course.attachment_name == "第二版.pptx"
    assert course.change_status == "" and not course.pending_attachment
    revision = CourseRevision.objects.filter(course=course, kind="revised").get()
    assert "attachment" in revision.summary and revision.snapshot["attachment"] == "第二版.pptx"
