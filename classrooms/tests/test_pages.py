"""The classrooms' pages: the member's survey page without login, the county's survey page
with its gaps, a branch's wishes, the issue list; and who may not see them."""

from classrooms.models import GapAssignment, SurveyAnswer

from .test_surveys import TOPICS


def test_a_member_answers_on_the_public_page_and_the_same_phone_sees_its_answer(
    client, world, survey
):
    url = f"/survey/{survey.pk}/?org={world.branch.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert f'name="org" value="{world.branch.pk}"' in page.content.decode()
    data = {"topics": [TOPICS[1]], "phone": "13812345678", "org": world.branch.pk, "group": "rural"}
    answered = client.post(url, data)
    assert answered.status_code == 201
    assert 'data-testid="thanks"' in answered.content.decode()
    again = client.post(url, {**data, "topics": [TOPICS[0]]})
    assert again.status_code == 200 and TOPICS[1] in again.content.decode()
    assert SurveyAnswer.objects.get().topics.get().title == TOPICS[1]


def test_bad_answers_are_marked_on_the_form(client, world, survey):
    page = client.post(f"/survey/{survey.pk}/", {"phone": "12", "org": world.branch_b.pk})
    assert page.status_code == 422
    body = page.content.decode()
    assert 'id="field-topics"' in body and "has-error" in body
    assert not SurveyAnswer.objects.exists()


def test_the_survey_qr_code_encodes_the_branch_link(client, world, survey):
    response = client.get(f"/survey/{survey.pk}/qr.svg?org={world.branch.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert client.get("/survey/999999/qr.svg").status_code == 404


def test_the_county_admin_sees_the_gaps_and_hands_one_to_a_lecturer(login, world, survey):
    client = login(world.county_admin)
    page = client.get(f"/classrooms/surveys/{survey.pk}/")
    assert page.status_code == 200
    topic = survey.topics.get(title=TOPICS[3])
    refused = client.post(
        f"/classrooms/surveys/{survey.pk}/", {"topic_id": topic.pk, "lecturer": ""}
    )
    assert refused.status_code == 422
    done = client.post(
        f"/classrooms/surveys/{survey.pk}/", {"topic_id": topic.pk, "lecturer": world.zhang.pk}
    )
    assert done.status_code == 302
    assert GapAssignment.objects.get().topic == topic
    created = client.post("/classrooms/surveys/", {"title": "", "topics": "党史"})
    assert created.status_code == 422


def test_others_do_not_see_the_county_survey_page(login, world, survey, client):
    for user in (world.outsider, world.secretary, world.lecturer, world.town_admin):
        assert login(user).get(f"/classrooms/surveys/{survey.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/classrooms/surveys/{survey.pk}/").status_code == 302  # to the login


def test_a_branch_sees_its_wishes_and_the_courses_that_answer_them(login, world, survey, client):
    client.post(f"/survey/{survey.pk}/", {"topics": [TOPICS[0]], "phone": "13812345678",
                                          "org": world.branch.pk, "group": "rural"})  # fmt: skip
    page = login(world.secretary).get("/classrooms/wishes/")
    assert page.status_code == 200
    assert world.course.title in page.content.decode()
    other = login(world.other_secretary).get("/classrooms/wishes/").content.decode()
    assert world.course.title not in other
    assert (
        world.course.title not in login(world.outsider).get("/classrooms/wishes/").content.decode()
    )


def test_the_issue_list_answers_everyone_logged_in(login, world):
    assert login(world.county_admin).get("/classrooms/issues/").status_code == 200
    assert login(world.outsider).get("/classrooms/issues/").status_code == 200
