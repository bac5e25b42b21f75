"""/manage/lecturers/: the list with its filters and search, the bulk actions, and the page that
adds a lecturer (initial password shown once, sent by SMS)."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from conftest import run_in_threads
from core.models import AuditLog
from core.tests.factories import make_lecturer, make_member
from core.timeutil import aware
from courses.models import Course
from lecturers.models import Lecturer, LecturerHonour, LecturerStatusChange
from lecturers.selectors import lecturer_list_for_user
from notifications.models import InboxMessage, OutboxMessage
from orgs.models import CountySettings, Role
from scheduling.models import Booking

LIST = "/manage/lecturers/"
NEW = "/manage/lecturers/new/"


@pytest.fixture
def pool(world):
    """Besides the world's lecturers (张三丰 county-level in 东镇's branch, 李四光 town-level in
    西镇, 王五 a county-level candidate of no town): 陈东 a town-level candidate of 东镇, whom
    the town admin (东镇) manages, and 周除 a removed county-level lecturer."""
    world.east = make_lecturer(
        world.county, "陈东", org=world.sibling_branch, level="town", status="candidate"
    )
    world.gone = make_lecturer(world.county, "周除", status="removed")
    return world


def names(response) -> set[str]:
    html = response.content.decode()
    return set(re.findall(r'data-testid="lecturer-manage"><strong>([^<]+)</strong>', html))


def booking(world, lecturer, start, status="confirmed"):
    return Booking.objects.create(
        county=world.county, org=world.branch, lecturer=lecturer,
        course=lecturer.courses.first() or world.course, start_at=start,
        end_at=start + timedelta(hours=2), venue="党群服务中心", expected_attendees=30,
        classroom="classroom", requested_by=world.secretary, expires_at=start, status=status,
    )  # fmt: skip


# --- who may see what -------------------------------------------------------------------------


def test_the_county_admin_sees_every_lecturer_of_the_county_and_no_other(pool, login):
    response = login(pool.county_admin).get(LIST)
    assert response.status_code == 200
    assert names(response) == {"张三丰", "李四光", "王五", "陈东", "周除"}
    assert "5名讲师" in response.content.decode()
    # each row leads to the lecturer's management page
    assert f'href="/manage/lecturers/{pool.li.pk}/"' in response.content.decode()


def test_a_town_admin_sees_only_the_town_level_lecturers_of_the_own_town(pool, login):
    # 张三丰 works in 东镇 too, but is county-level; 李四光 is town-level of 西镇.
    response = login(pool.town_admin).get(LIST)
    assert response.status_code == 200
    assert names(response) == {"陈东"}
    other = make_member("west_admin", pool.other_town, Role.TOWN_ADMIN)
    assert names(login(other).get(LIST)) == {"李四光"}


def test_another_county_s_admin_sees_only_the_own_county(pool, login):
    assert names(login(pool.outsider).get(LIST)) == {"赵六"}


@pytest.mark.parametrize("who", ["secretary", "lecturer"])
def test_people_who_manage_no_lecturers_are_refused_everywhere(pool, login, who):
    client = login(getattr(pool, who))
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.get(f"{NEW}{pool.zhang.pk}/").status_code == 403
    bulk = {"lecturers": [pool.candidate.pk], "action": "activate", "reason": "试讲通过"}
    assert client.post(LIST, bulk).status_code == 403
    assert client.post(NEW, create_payload(pool)).status_code == 403
    assert Lecturer.objects.get(pk=pool.candidate.pk).status == "candidate"
    assert not Lecturer.objects.filter(name="陈新讲").exists()


def test_anonymous_visitors_are_sent_to_log_in(pool, client):
    for path in (LIST, NEW, f"{NEW}{pool.zhang.pk}/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.post(LIST, {"lecturers": [pool.candidate.pk], "action": "activate", "reason": "好"})
    client.post(NEW, create_payload(pool))
    assert Lecturer.objects.get(pk=pool.candidate.pk).status == "candidate"
    assert not Lecturer.objects.filter(name="陈新讲").exists()


def test_the_back_office_index_links_to_the_lecturers(world, login):
    assert 'href="/manage/lecturers/"' in login(world.county_admin).get("/manage/").content.decode()


# --- filters and search -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "candidate"}, {"王五", "陈东"}),
        ({"status": "removed"}, {"周除"}),
        ({"level": "town"}, {"李四光", "陈东"}),
        ({"source": "expert"}, {"李四光"}),
        ({"category": "revolutionary_tradition"}, {"李四光"}),
        ({"honour": "famous_lecturer"}, {"张三丰"}),
        ({"idle_this_year": "on"}, {"李四光", "王五", "陈东", "周除"}),
        ({"q": "李四"}, {"李四光"}),
        ({"q": "lisiguang"}, {"李四光"}),
        ({"q": "zsf"}, {"张三丰"}),
        ({"q": "2222"}, {"李四光"}),  # the last digits of the mobile number
        ({"q": "139111"}, {"李四光"}),
        ({"status": "candidate", "level": "town"}, {"陈东"}),
        ({"status": "nonsense", "level": "town"}, {"李四光", "陈东"}),  # a bad value is dropped
    ],
)
def test_each_filter_keeps_exactly_its_lecturers(pool, login, params, expected):
    Lecturer.objects.filter(pk=pool.li.pk).update(source="expert", phone="13911112222")
    Lecturer.objects.filter(pk=pool.zhang.pk).update(phone="13933334444")
    LecturerHonour.objects.create(lecturer=pool.zhang, title="famous_lecturer", year=2025)
    LecturerHonour.objects.create(lecturer=pool.li, title="commended", year=2025)
    this_year = timezone.localdate().year
    # 张三丰 taught this year; 李四光 only last year; 陈东's session this year was cancelled.
    booking(pool, pool.zhang, aware(datetime(this_year, 1, 1, 9)))
    booking(pool, pool.li, aware(datetime(this_year - 1, 12, 31, 9)), status="completed")
    booking(pool, pool.east, aware(datetime(this_year, 3, 1, 9)), status="cancelled")
    assert names(login(pool.county_admin).get(LIST, params)) == expected


def test_the_town_filter_takes_the_town_and_its_branches(pool, login):
    client = login(pool.county_admin)
    assert names(client.get(LIST, {"town": pool.town.pk})) == {"张三丰", "陈东"}
    assert names(client.get(LIST, {"town": pool.other_town.pk})) == {"李四光"}
    # a town admin cannot look into another town: the filter is dropped, the scope stays
    assert names(login(pool.town_admin).get(LIST, {"town": pool.other_town.pk})) == {"陈东"}


def test_rows_show_the_facts_with_the_phone_masked(pool, login):
    Lecturer.objects.filter(pk=pool.li.pk).update(phone="13911112222")
    LecturerHonour.objects.create(lecturer=pool.li, title="famous_lecturer", year=2025)
    booking(pool, pool.li, timezone.now() - timedelta(minutes=1), status="completed")
    html = login(pool.county_admin).get(LIST, {"q": "李四光"}).content.decode()
    assert "139****2222" in html and "13911112222" not in html
    assert "西镇" in html and "镇级讲师" in html and "在库" in html
    assert "2025 名师" in html
    assert "今年授课 1 次" in html and "1门课程" in html


def test_the_phone_search_stays_inside_the_managed_lecturers(pool, login):
    Lecturer.objects.filter(pk=pool.zhang.pk).update(phone="13933334444")
    # the town admin sees 张三丰 in the catalogue, but does not manage him
    assert names(login(pool.town_admin).get(LIST, {"q": "4444"})) == set()
    # the public catalogue never searches by phone
    assert not lecturer_list_for_user(pool.secretary, q="4444").exists()
    assert not lecturer_list_for_user(pool.county_admin, q="4444").exists()


def test_an_empty_list_says_what_to_do(world, login):
    Course.objects.filter(county=world.county).delete()
    Lecturer.objects.filter(county=world.county).delete()
    html = login(world.county_admin).get(LIST).content.decode()
    assert "还没有讲师" in html and 'href="/manage/lecturers/new/"' in html
    assert 'href="/manage/import/?kind=lecturers"' in html
    html = login(world.county_admin).get(LIST, {"status": "active"}).content.decode()
    assert "没有符合筛选条件的讲师" in html


def test_the_list_pages_and_keeps_the_filters_in_the_pager(world, login):
    for i in range(32):
        make_lecturer(world.county, f"讲师{i:02d}", status="candidate")
    client = login(world.county_admin)
    first = client.get(LIST, {"status": "candidate"}).content.decode()
    assert "33名讲师" in first and "?status=candidate&amp;page=2" in first
    second = client.get(LIST, {"status": "candidate", "page": 2})
    assert len(names(second)) == 3


# --- bulk actions -----------------------------------------------------------------------------


def written() -> tuple:
    return (
        sorted(Lecturer.objects.values_list("pk", "status", "level", "version")),
        LecturerStatusChange.objects.count(),
        AuditLog.objects.filter(action__startswith="lecturer.").count(),
        InboxMessage.objects.count(),
        OutboxMessage.objects.count(),
    )


def test_a_county_admin_activates_candidates_each_change_audited(pool, login):
    client = login(pool.county_admin)
    response = client.post(
        f"{LIST}?status=candidate",
        {
            "lecturers": [pool.candidate.pk, pool.east.pk],
            "action": "activate",
            "reason": "试讲通过",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{LIST}?status=candidate"
    assert set(Lecturer.objects.filter(pk__in=[pool.candidate.pk, pool.east.pk]).values_list("status", flat=True)) == {"active"}  # fmt: skip
    entries = AuditLog.objects.filter(action="lecturer.status")
    assert {e.object_id for e in entries} == {str(pool.candidate.pk), str(pool.east.pk)}
    assert all(e.after == {"status": "active", "reason": "试讲通过"} for e in entries)
    assert "已更改 2 位讲师" in client.get(response["Location"]).content.decode()


def test_one_row_that_cannot_move_leaves_every_row_as_it_was(pool, login):
    before = written()
    response = login(pool.county_admin).post(
        LIST,
        {"lecturers": [pool.candidate.pk, pool.zhang.pk, pool.gone.pk, pool.east.pk],
         "action": "activate", "reason": "试讲通过"},
    )  # fmt: skip
    assert response.status_code == 409
    html = response.content.decode()
    assert "未做任何更改" in html
    assert "张三丰：" in html and "周除：" in html
    assert "王五：" not in html and "陈东：" not in html  # those could move, but did not
    assert written() == before
    # the rows stay ticked for another try
    assert re.search(rf'value="{pool.candidate.pk}" form="bulk-form"[^>]* checked', html)


def test_bulk_input_errors_mark_the_field(pool, login):
    client = login(pool.county_admin)
    before = written()
    no_reason = client.post(LIST, {"lecturers": [pool.candidate.pk], "action": "activate"})
    assert no_reason.status_code == 422
    assert 'id="field-reason"' in no_reason.content.decode()
    assert 'class="field has-error" id="field-reason"' in no_reason.content.decode()
    nothing = client.post(LIST, {"action": "activate", "reason": "好"})
    assert nothing.status_code == 422 and "请至少选择一位讲师" in nothing.content.decode()
    junk = client.post(LIST, {"lecturers": ["x"], "action": "activate", "reason": "好"})
    assert junk.status_code == 422
    no_level = client.post(LIST, {"lecturers": [pool.li.pk], "action": "move_level"})
    assert no_level.status_code == 422
    assert 'class="field has-error" id="field-level"' in no_level.content.decode()
    assert written() == before


def test_a_county_admin_moves_levels_all_or_nothing(pool, login):
    client = login(pool.county_admin)
    ok = client.post(LIST, {"lecturers": [pool.li.pk], "action": "move_level", "level": "county"})
    assert ok.status_code == 302
    assert Lecturer.objects.get(pk=pool.li.pk).level == "county"
    entry = AuditLog.objects.get(action="lecturer.update", object_id=str(pool.li.pk))
    assert (entry.before, entry.after) == ({"level": "town"}, {"level": "county"})

    before = written()
    # 王五 belongs to no town, so cannot become town-level; 张三丰 (who could) stays as he is.
    refused = client.post(
        LIST,
        {"lecturers": [pool.zhang.pk, pool.candidate.pk], "action": "move_level", "level": "town"},
    )
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "王五：不属于任何镇（街道）" in html and "张三丰" not in html.split("未做任何更改")[1].split("。")[0]  # fmt: skip
    assert written() == before
    same = client.post(LIST, {"lecturers": [pool.zhang.pk], "action": "move_level", "level": "county"})  # fmt: skip
    assert same.status_code == 409 and "张三丰：已是该级别" in same.content.decode()


def test_a_town_admin_changes_only_the_own_town_s_lecturers(pool, login):
    client = login(pool.town_admin)
    before = written()
    # 张三丰 (county-level, visible in the catalogue) and 李四光 (another town) are not theirs.
    refused = client.post(
        LIST,
        {"lecturers": [pool.east.pk, pool.zhang.pk, pool.li.pk], "action": "activate", "reason": "试讲通过"},
    )  # fmt: skip
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "张三丰：不是您管理的讲师" in html and "李四光：不是您管理的讲师" in html
    # a candidate of the county is not even visible to them: counted, never named
    hidden = client.post(
        LIST, {"lecturers": [pool.east.pk, pool.candidate.pk], "action": "activate", "reason": "好"}
    )
    assert hidden.status_code == 409 and "另有 1 位所选讲师" in hidden.content.decode()
    assert "王五" not in hidden.content.decode()
    # moving levels is the county's
    move = client.post(LIST, {"lecturers": [pool.east.pk], "action": "move_level", "level": "county"})  # fmt: skip
    assert move.status_code == 422
    assert "move_level" not in client.get(LIST).content.decode()
    assert written() == before
    ok = client.post(
        LIST, {"lecturers": [pool.east.pk], "action": "activate", "reason": "试讲通过"}
    )
    assert ok.status_code == 302 and Lecturer.objects.get(pk=pool.east.pk).status == "active"


def test_another_county_s_admin_cannot_touch_the_county_s_lecturers(pool, login):
    before = written()
    response = login(pool.outsider).post(
        LIST, {"lecturers": [pool.candidate.pk], "action": "activate", "reason": "好"}
    )
    assert response.status_code == 409 and "王五" not in response.content.decode()
    assert written() == before


@pytest.mark.django_db(transaction=True)
def test_two_admins_activating_the_same_candidates_at_once_move_each_once(world):
    from django.test import Client

    candidates = [make_lecturer(world.county, f"候选{i}", status="candidate") for i in range(4)]
    second_admin = make_member("county_admin_2", world.county, Role.COUNTY_ADMIN)
    admins = [world.county_admin, second_admin]

    def post(i):
        client = Client()
        client.force_login(admins[i])
        data = {"lecturers": [c.pk for c in candidates], "action": "activate", "reason": f"第{i}位"}
        return client.post(LIST, data).status_code

    results = run_in_threads(post, 2)
    assert sorted(results) == [302, 409], results
    for candidate in candidates:
        assert LecturerStatusChange.objects.filter(lecturer=candidate).count() == 1
        assert Lecturer.objects.get(pk=candidate.pk).status == "active"
    # every move of the winner, none of the loser
    assert len({c.reason for c in LecturerStatusChange.objects.all()}) == 1
    assert AuditLog.objects.filter(action="lecturer.status").count() == 4


# --- adding a lecturer ------------------------------------------------------------------------


@pytest.fixture
def no_quiet_hours(world):
    """SMS go out at once, whatever the hour the test runs at."""
    CountySettings.objects.update_or_create(
        county=world.county, defaults={"quiet_hours_start": 0, "quiet_hours_end": 0}
    )


def create_payload(world, **change):
    payload = {
        "name": "陈新讲", "phone": "13712345678", "source": "grassroots_secretary",
        "level": "town", "org": world.branch.pk, "gender": "female", "birth_year": "1980",
        "unit": "东村", "post": "书记", "specialties": "基层治理、乡村振兴", "bio": "长期从事村级工作。",
    }  # fmt: skip
    payload.update(change)
    return payload


def created_password(client, response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    match = re.search(r'data-testid="initial-password">([^<]+)<', page.content.decode())
    assert match, page.content.decode()
    return match.group(1)


def test_a_county_admin_adds_a_lecturer_and_sees_the_password_once(world, login):
    client = login(world.county_admin)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, create_payload(world))
    lecturer = Lecturer.objects.get(name="陈新讲")
    assert response["Location"] == f"{NEW}{lecturer.pk}/"
    first = client.get(response["Location"])
    assert "no-store" in first["Cache-Control"]
    password = re.search(r'data-testid="initial-password">([^<]+)<', first.content.decode()).group(
        1
    )
    user = lecturer.user
    assert user.username == "13712345678" and user.check_password(password)
    assert user.must_change_password
    assert (lecturer.level, lecturer.org, lecturer.birth_year, lecturer.gender) == ("town", world.branch, 1980, "female")  # fmt: skip
    assert AuditLog.objects.filter(action="lecturer.create", object_id=str(lecturer.pk)).exists()
    # reloading (or going back to) the page does not show it again
    again = client.get(response["Location"]).content.decode()
    assert password not in again and 'data-testid="password-gone"' in again
    assert all(password not in str(v) for v in client.session.values())
    # another admin of the county never sees it
    other = make_member("county_admin_2", world.county, Role.COUNTY_ADMIN)
    assert password not in login(other).get(f"{NEW}{lecturer.pk}/").content.decode()


def test_the_new_lecturer_logs_in_with_it_and_must_change_it(world, client):
    client.force_login(world.county_admin)
    password = created_password(client, client.post(NEW, create_payload(world)))
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": "13712345678", "password": password}, follow=True
    )
    assert response.redirect_chain and "/accounts/password/" in response.redirect_chain[-1][0]


def test_the_password_goes_by_sms_and_never_into_the_inbox(no_quiet_hours, world, client, sms_provider, django_capture_on_commit_callbacks):  # fmt: skip
    from notifications import outbox

    client.force_login(world.county_admin)
    with django_capture_on_commit_callbacks(execute=False):
        password = created_password(client, client.post(NEW, create_payload(world)))
    user = Lecturer.objects.get(name="陈新讲").user
    [message] = InboxMessage.objects.filter(recipient=user)
    assert password not in message.title + message.body and "13712345678" in message.body
    [sms] = OutboxMessage.objects.filter(recipient=user)
    assert (sms.channel, sms.address, sms.status) == ("sms", "13712345678", "queued")
    assert password in sms.body

    assert outbox.deliver_due() == {"sent": 1}
    [request] = sms_provider.requests
    assert request["PhoneNumbers"] == "13712345678" and password in request["TemplateParam"]
    sms.refresh_from_db()
    assert sms.status == "sent"
    assert password not in sms.body + sms.title + str(sms.params)
    assert sms.params["password"] == "******" and "******" in sms.body


def test_a_failed_password_sms_forgets_it_and_is_not_sent_again(no_quiet_hours, world, client, sms_provider, django_capture_on_commit_callbacks):  # fmt: skip
    from core.errors import Conflict
    from notifications import outbox
    from notifications.services import delivery_resend

    sms_provider.script = ["isv.MOBILE_NUMBER_ILLEGAL"]
    client.force_login(world.county_admin)
    with django_capture_on_commit_callbacks(execute=False):
        password = created_password(client, client.post(NEW, create_payload(world)))
    assert outbox.deliver_due() == {"failed": 1}
    sms = OutboxMessage.objects.get(recipient__username="13712345678")
    assert sms.status == "failed" and password not in sms.body + str(sms.params)
    with pytest.raises(Conflict):
        delivery_resend(actor=world.county_admin, message=sms)
    assert OutboxMessage.objects.get(pk=sms.pk).status == "failed"


def test_the_log_channel_never_writes_the_password(no_quiet_hours, world, client, caplog, django_capture_on_commit_callbacks):  # fmt: skip
    from notifications import outbox

    outbox.get_channel.cache_clear()
    client.force_login(world.county_admin)
    with django_capture_on_commit_callbacks(execute=False):
        password = created_password(client, client.post(NEW, create_payload(world)))
    with caplog.at_level("INFO", logger="jiangtai.outbox"):
        assert outbox.deliver_due() == {"sent": 1}
    assert "******" in caplog.text and password not in caplog.text


def test_a_town_admin_adds_town_level_lecturers_of_the_own_town_only(world, login):
    client = login(world.town_admin)
    form = client.get(NEW).content.decode()
    assert f'value="{world.other_branch.pk}"' not in form and 'value="county"' not in form
    other_town = client.post(NEW, create_payload(world, org=world.other_branch.pk))
    assert other_town.status_code == 422
    assert 'class="field has-error" id="field-org"' in other_town.content.decode()
    county_level = client.post(NEW, create_payload(world, level="county"))
    assert county_level.status_code == 422
    assert 'class="field has-error" id="field-level"' in county_level.content.decode()
    no_org = client.post(NEW, create_payload(world, org=""))
    assert no_org.status_code == 422
    assert not Lecturer.objects.filter(name="陈新讲").exists()
    password = created_password(client, client.post(NEW, create_payload(world)))
    lecturer = Lecturer.objects.get(name="陈新讲")
    assert lecturer.user.check_password(password) and lecturer.level == "town"
    assert names(client.get(LIST)) == {"陈新讲"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "13900000001"}, "phone"),  # the county admin's number: taken
        ({"phone": "1371234567"}, "phone"),
        ({"phone": "23712345678"}, "phone"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"org": "999999999"}, "org"),
        ({"org": "abc"}, "org"),
        ({"source": "internet"}, "source"),
        ({"birth_year": "1800"}, "birth_year"),
        ({"birth_year": "一九八〇"}, "birth_year"),
        ({"bio": "长" * 3001}, "bio"),
    ],
)
def test_bad_input_marks_the_field_and_writes_nothing(world, login, change, field):
    client = login(world.county_admin)
    users, outbox_rows = world.county_admin.__class__.objects.count(), OutboxMessage.objects.count()
    response = client.post(NEW, create_payload(world, **change))
    assert response.status_code == 422
    html = response.content.decode()
    assert f'class="field has-error" id="field-{field}"' in html
    assert not Lecturer.objects.filter(name="陈新讲").exists()
    assert world.county_admin.__class__.objects.count() == users
    assert OutboxMessage.objects.count() == outbox_rows


def test_an_outsider_cannot_place_a_lecturer_in_another_county(world, login):
    response = login(world.outsider).post(NEW, create_payload(world, level="county"))
    assert response.status_code == 422
    assert 'class="field has-error" id="field-org"' in response.content.decode()
    assert not Lecturer.objects.filter(name="陈新讲").exists()


def test_the_created_page_is_for_those_who_manage_the_lecturer(pool, login):
    assert login(pool.town_admin).get(f"{NEW}{pool.zhang.pk}/").status_code == 404
    assert login(pool.outsider).get(f"{NEW}{pool.zhang.pk}/").status_code == 404
    assert login(pool.town_admin).get(f"{NEW}{pool.east.pk}/").status_code == 200
