"""Organisation writes: org_update, deactivation under concurrency, and the API endpoints for
each role."""

import pytest
from django.test import Client

from access.services import org_update
from accounts.services import api_token_issue
from backoffice.selectors import org_open_work
from conftest import run_in_threads
from core.errors import Forbidden, InvalidInput
from core.models import AuditLog
from core.tests.factories import make_org, session
from matching.models import Demand
from matching.tests.test_flow import demand_payload
from orgs.models import Membership, Organisation, OrgLevel, Role
from scheduling.models import Booking
from scheduling.tests.conftest import at


def _booking(world, hour: int = 9, *, org=None) -> dict:
    return {"org_id": (org or world.branch).pk, "lecturer_id": world.zhang.pk, "course_id": world.course.pk,
            "start": at(7, hour).isoformat(), "end": at(7, hour + 1).isoformat(), "venue": "会议室",
            "expected_attendees": 30, "classroom": "classroom"}  # fmt: skip


# --- a deactivation at the same moment as bookings and demands --------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_deactivation_racing_bookings_and_demands_leaves_no_open_work_behind(world):
    """One admin deactivates a branch while its secretary books and posts demands at the same
    moment (three rounds, a fresh branch each). Either the deactivation wins and every later
    booking or demand is refused (409 `org_inactive`), or it is refused (409 `org_busy`)
    because one landed first; never an inactive organisation with an open booking or demand.
    Without the row lock on both sides, a booking that read the organisation as active commits
    after the deactivation counted."""
    secretary = api_token_issue(user=world.secretary)
    admin = api_token_issue(user=world.county_admin)
    for round_ in range(3):
        branch = make_org(f"竞速{round_}村党支部", OrgLevel.VILLAGE, world.town)
        Membership.objects.create(user=world.secretary, org=branch, role=Role.SECRETARY)

        def act(i, branch=branch):
            if i == 0:
                path, body, token = f"/api/v1/orgs/{branch.pk}/deactivate", {"reason": "撤并"}, admin  # fmt: skip
            elif i % 2:
                path, body, token = "/api/v1/bookings", _booking(world, 8 + i, org=branch), secretary  # fmt: skip
            else:
                path, body, token = "/api/v1/demands", demand_payload(world, org_id=branch.pk), secretary  # fmt: skip
            response = Client().post(
                path,
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            return response.status_code, response.json().get("code")

        results = run_in_threads(act, 8)
        assert all(not isinstance(r, Exception) for r in results), results
        branch.refresh_from_db()
        made = (
            Booking.objects.filter(org=branch).count() + Demand.objects.filter(org=branch).count()
        )
        assert set(results[1:]) <= {(201, None), (409, "org_inactive")}, results
        assert made == sum(1 for r in results[1:] if r[0] == 201)
        if results[0][0] == 200:
            assert not branch.is_active and made == 0 and org_open_work(branch) == (0, 0), results
        else:
            assert results[0] == (409, "org_busy") and branch.is_active and made >= 1, results
        deactivated = AuditLog.objects.filter(action="org.deactivate", object_id=str(branch.pk))
        assert deactivated.count() == (results[0][0] == 200)


# --- org_update -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_update_keeps_the_coordinate_not_sent_and_checks_the_pair(world):
    org = org_update(actor=world.county_admin, org=world.branch, changes={"lat": 36.7})
    assert (org.lat, org.lng) == (36.7, 118.5)
    with pytest.raises(InvalidInput) as exc:
        org_update(actor=world.county_admin, org=org, changes={"lat": None})
    assert set(exc.value.fields) == {"lat"}
    cleared = org_update(actor=world.county_admin, org=org, changes={"lat": None, "lng": None})
    assert (cleared.lat, cleared.lng) == (None, None)
    with pytest.raises(InvalidInput) as exc:
        org_update(actor=world.county_admin, org=org, changes={"level": "town", "is_active": False})
    assert set(exc.value.fields) == {"level", "is_active"}
    with pytest.raises(InvalidInput) as exc:
        org_update(actor=world.county_admin, org=world.county, changes={"parent_id": world.town.pk})
    assert set(exc.value.fields) == {"parent_id"}
    # no change, no audit entry
    org_update(actor=world.county_admin, org=cleared, changes={"name": cleared.name})
    assert AuditLog.objects.filter(action="org.update").count() == 2


@pytest.mark.django_db
def test_only_those_over_an_organisation_update_it(world):
    for user, org in ((world.town_admin, world.town), (world.town_admin, world.other_branch),
                      (world.secretary, world.branch), (world.outsider, world.branch),
                      (world.lecturer, world.branch)):  # fmt: skip
        with pytest.raises(Forbidden):
            org_update(actor=user, org=org, changes={"address": "x"})
    assert not Organisation.objects.filter(address="x").exists()


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_patch_an_organisation_by_role(world, api_as, anon_api):
    path = f"/api/v1/orgs/{world.branch.pk}"
    assert anon_api.patch(path, {"address": "x"}).status_code == 401
    expected = {"secretary": 403, "lecturer": 404, "outsider": 404}
    for who, status in expected.items():
        response = api_as(getattr(world, who)).patch(path, {"address": "x"})
        assert response.status_code == status, (who, response.content)
    assert api_as(world.town_admin).patch(f"/api/v1/orgs/{world.town.pk}", {"address": "x"}).status_code == 403  # fmt: skip
    response = api_as(world.town_admin).patch(path, {"address": "东村路2号", "group": "community"})
    assert response.status_code == 200 and response.json()["address"] == "东村路2号"
    response = api_as(world.county_admin).patch(path, {"name": "南村党支部"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"name": "该上级组织下已有同名组织。"}
    response = api_as(world.county_admin).patch(path, {"lat": 99})
    assert response.status_code == 422 and "lat" in response.json()["fields"]
    assert Organisation.objects.get(pk=world.branch.pk).name == "东村党支部"


@pytest.mark.django_db
def test_deactivate_and_reactivate_through_the_api(world, api_as, anon_api):
    path = f"/api/v1/orgs/{world.branch.pk}"
    assert anon_api.post(f"{path}/deactivate", {"reason": "x"}).status_code == 401
    for who, status in {"secretary": 403, "lecturer": 404, "outsider": 404}.items():
        assert api_as(getattr(world, who)).post(f"{path}/deactivate", {"reason": "x"}).status_code == status, who  # fmt: skip
    api = api_as(world.county_admin)
    assert api.post(f"{path}/deactivate", {"reason": ""}).status_code == 422
    booking = session(world, started_minutes_ago=-24 * 60)
    busy = api.post(f"{path}/deactivate", {"reason": "撤并"})
    assert busy.status_code == 409 and busy.json()["code"] == "org_busy"
    assert "1 个未完成的约课和 0 个未结束的需求" in busy.json()["detail"]
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")
    done = api.post(f"{path}/deactivate", {"reason": "撤并"})
    assert done.status_code == 200 and done.json()["is_active"] is False
    assert api.post(f"{path}/deactivate", {"reason": "撤并"}).json()["code"] == "bad_state"
    refused = api_as(world.secretary).post("/api/v1/bookings", _booking(world))
    assert refused.status_code == 409 and refused.json()["code"] == "org_inactive"
    assert api.post(f"{path}/reactivate", {"reason": "恢复"}).json()["is_active"] is True
    assert api_as(world.secretary).post("/api/v1/bookings", _booking(world)).status_code == 201
    county = api.post(f"/api/v1/orgs/{world.county.pk}/deactivate", {"reason": "x"})
    assert county.status_code == 409 and county.json()["code"] == "bad_state"
