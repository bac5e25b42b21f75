"""The gaps left by the selection's first round: an approved candidate who already has a login,
the messages that tell candidates their results, and the API list of a call's nominations."""

import pytest
from django.contrib.auth.hashers import check_password

from accounts.models import User
from core.errors import InvalidInput
from core.tests.factories import make_member
from development import services
from development.models import Stage
from lecturers.models import Lecturer
from notifications.models import Event, InboxMessage, OutboxMessage
from orgs.models import Membership, Role

from .helpers import PANEL, nominate, open_call, review_all

pytestmark = pytest.mark.django_db


def test_a_new_candidate_gets_a_new_login_with_an_initial_password(world):
    nomination = review_all(world, nominate(world, open_call(world)))
    lecturer = Lecturer.objects.select_related("user").get(pk=nomination.lecturer_id)
    assert lecturer.user.username == "13700000001" and lecturer.user.must_change_password
    assert len(nomination.initial_password) == 12
    assert check_password(nomination.initial_password, lecturer.user.password)


def test_a_secretary_who_nominated_themself_keeps_the_login_and_gets_no_password(world):
    call = open_call(world)
    secretary = world.secretary
    password_before = secretary.password
    nomination = services.nomination_submit(
        actor=secretary, call=call, channel="self", name="秘书本人", phone=secretary.phone,
        org_id=world.branch.pk, reason="我愿意讲党课。",
    )  # fmt: skip
    # The candidate's own unit may not review: the county admin of the county does.
    nomination = review_all(world, nomination)
    assert nomination.stage == Stage.APPROVED
    assert nomination.initial_password == ""
    lecturer = Lecturer.objects.get(pk=nomination.lecturer_id)
    assert lecturer.user_id == secretary.pk
    assert User.objects.filter(phone=secretary.phone).count() == 1
    secretary.refresh_from_db()
    assert secretary.password == password_before and not secretary.must_change_password
    roles = set(Membership.objects.filter(user=secretary).values_list("role", "org_id"))
    assert roles == {(Role.SECRETARY, world.branch.pk), (Role.LECTURER, world.branch.pk)}


def test_a_login_that_is_already_a_lecturer_is_refused_and_nothing_is_written(world):
    call = open_call(world)
    nomination = nominate(world, call, phone=world.zhang.phone, name="张三丰")
    services.nomination_review(actor=world.county_admin, nomination=nomination, stage="political", result="pass")  # fmt: skip
    services.nomination_review(actor=world.county_admin, nomination=nomination, stage="panel", result="pass", scores=PANEL)  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        services.nomination_review(
            actor=world.county_admin, nomination=nomination, stage="approval", result="pass",
            source="model_figure",
        )  # fmt: skip
    assert "phone" in caught.value.fields
    nomination.refresh_from_db()
    assert nomination.stage == Stage.PANEL_PASSED and not nomination.certificate_no
    assert Lecturer.objects.filter(user=world.lecturer).count() == 1
    assert not InboxMessage.objects.filter(event=Event.LECTURER_APPOINTED).exists()


def test_a_login_of_another_county_is_refused(world):
    call = open_call(world)
    stranger = make_member("stranger", world.county_b, Role.SECRETARY, phone="13700000009")
    nomination = nominate(world, call, phone=stranger.phone)
    with pytest.raises(InvalidInput):
        review_all(world, nomination)
    assert not Lecturer.objects.filter(user=stranger).exists()


def test_the_candidate_is_told_each_result_and_the_appointment(world):
    call = open_call(world)
    secretary = world.secretary
    nomination = services.nomination_submit(
        actor=secretary, call=call, channel="self", name="秘书本人", phone=secretary.phone,
        org_id=world.branch.pk, reason="我愿意讲党课。",
    )  # fmt: skip
    review_all(world, nomination)
    messages = list(InboxMessage.objects.filter(recipient=secretary).order_by("id"))
    assert [m.event for m in messages] == [
        Event.NOMINATION_REVIEWED, Event.NOMINATION_REVIEWED, Event.LECTURER_APPOINTED
    ]  # fmt: skip
    assert "政治审查" in messages[0].title and "通过" in messages[0].body
    assert nomination.tracking_key in messages[0].url
    nomination.refresh_from_db()
    assert nomination.certificate_no in messages[2].body
    sms = OutboxMessage.objects.filter(recipient=secretary, channel="sms")
    assert sms.filter(event=Event.LECTURER_APPOINTED).count() == 1


def test_a_failed_stage_tells_the_reason_and_a_candidate_without_login_gets_no_message(world):
    call = open_call(world)
    member = make_member("member", world.other_branch, Role.SECRETARY, phone="13700000005")
    with_login = nominate(world, call, phone=member.phone)
    without_login = nominate(world, call, phone="13700000006", name="无账号")
    for n in (with_login, without_login):
        services.nomination_review(
            actor=world.county_admin, nomination=n, stage="political", result="fail",
            note="材料不实",
        )  # fmt: skip
    [message] = InboxMessage.objects.filter(event=Event.NOMINATION_REVIEWED)
    assert message.recipient == member
    assert "不通过" in message.body and "材料不实" in message.body


def test_a_new_login_is_told_of_the_appointment(world):
    nomination = review_all(world, nominate(world, open_call(world)))
    lecturer = Lecturer.objects.get(pk=nomination.lecturer_id)
    [message] = InboxMessage.objects.filter(recipient=lecturer.user_id)
    assert message.event == Event.LECTURER_APPOINTED


# --- the page and the API -------------------------------------------------------------------


def _to_approval(world, call, **kw):
    nomination = nominate(world, call, **kw)
    services.nomination_review(actor=world.county_admin, nomination=nomination, stage="political", result="pass")  # fmt: skip
    services.nomination_review(actor=world.county_admin, nomination=nomination, stage="panel", result="pass", scores=PANEL)  # fmt: skip
    return nomination


def test_the_approval_page_shows_a_new_logins_password_once(world, login):
    call = open_call(world)
    nomination = _to_approval(world, call)
    client = login(world.county_admin)
    url = f"/selection/nominations/{nomination.pk}/review/"
    response = client.post(url, {"stage": "approval", "result": "pass", "source": "model_figure"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="initial-password"' in page
    nomination.refresh_from_db()
    user = Lecturer.objects.get(pk=nomination.lecturer_id).user
    password = page.split("<code>")[1].split("</code>")[0]
    assert check_password(password, user.password)
    again = client.get(f"/selection/nominations/{nomination.pk}/")
    assert 'data-testid="initial-password"' not in again.content.decode()


def test_the_api_returns_a_password_for_a_new_login_only(world, api_as):
    call = open_call(world)
    nomination = _to_approval(world, call, phone=world.secretary.phone)
    body = (
        api_as(world.county_admin)
        .post(
            f"/api/v1/nominations/{nomination.pk}/review",
            {"stage": "approval", "result": "pass", "source": "model_figure"},
        )
        .json()
    )
    assert body["stage"] == "approved" and body["initial_password"] is None
    other = _to_approval(world, call, phone="13700000002", name="周二")
    body = (
        api_as(world.county_admin)
        .post(
            f"/api/v1/nominations/{other.pk}/review",
            {"stage": "approval", "result": "pass", "source": "model_figure"},
        )
        .json()
    )
    assert len(body["initial_password"]) == 12


@pytest.mark.parametrize(
    ("role", "status"),
    [("county_admin", 200), ("town_admin", 403), ("secretary", 403), ("lecturer", 403),
     ("outsider", 404)],
)  # fmt: skip
def test_the_list_of_a_county_calls_nominations_by_role(world, api_as, role, status):
    call = open_call(world)
    nominate(world, call)
    response = api_as(getattr(world, role)).get(f"/api/v1/calls/{call.pk}/nominations")
    assert response.status_code == status, response.json()


def test_a_town_admin_lists_their_towns_call_ranked_and_filtered(world, api_as):
    call = open_call(world, level="town", org_id=world.town.pk)
    first = _to_approval(world, call, phone="13700000001")
    nominate(world, call, phone="13700000002", name="周二", channel="unit")
    api = api_as(world.town_admin)
    body = api.get(f"/api/v1/calls/{call.pk}/nominations").json()
    assert body["count"] == 2 and body["items"][0]["id"] == first.pk
    assert body["items"][0]["phone"] == "137****0001"
    assert body["items"][0]["panel_score"] is not None
    units = api.get(f"/api/v1/calls/{call.pk}/nominations?channel=unit").json()
    assert units["count"] == 1 and units["items"][0]["name"] == "周二"
    staged = api.get(f"/api/v1/calls/{call.pk}/nominations?stage=panel_passed").json()
    assert [row["id"] for row in staged["items"]] == [first.pk]
    bad = api.get(f"/api/v1/calls/{call.pk}/nominations?stage=nonsense")
    assert bad.status_code == 422
    assert (
        api_as(world.other_secretary).get(f"/api/v1/calls/{call.pk}/nominations").status_code == 403
    )


def test_the_list_is_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/calls/{call_id}/nominations"]["get"]
    assert {"200", "403", "404"} <= set(operation["responses"])
    reviewed = schema["paths"]["/api/v1/nominations/{nomination_id}/review"]["post"]
    assert "initial_password" in str(reviewed) or "NominationReviewed" in str(reviewed)
