"""The locust scenario of bench/province.py: users of several counties of a province built by
it, against its gunicorn. Not meant to be run alone: province.py starts it with
`locust -f bench/province_locust.py --headless …` and the data of its build
(PROVINCE_LOAD_DATA, a JSON file of tokens, browser sessions, organisations, lecturers and
sessions under way).

Every request is named by its route, not its ids, so that locust's statistics are per
endpoint. A status other than the one expected counts as a failure, with what the server said.
"""

import itertools
import json
import os
import random
from datetime import datetime, timedelta, timezone

from locust import HttpUser, between, constant, task
from locust.clients import HttpSession

CHINA = timezone(timedelta(hours=8))
DATA = json.loads(open(os.environ["PROVINCE_LOAD_DATA"], encoding="utf-8").read())  # noqa: SIM115
FIRST_DAY = datetime.now(CHINA).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
    days=40
)  # beyond the month of bookings the build made: no slot of the run meets one of them
HALL_SIZE = 30  # trainees behind one village hall's address (as evaluation_throughput.py)
DASHBOARD_TIMEOUT = float(os.environ.get("PROVINCE_DASHBOARD_TIMEOUT", "30"))  # seconds

# One counter per kind for the whole run (gevent: one thread, so next() is atomic).
demand_slots = itertools.count()
trainees = itertools.count()
lecturer_days: dict[int, itertools.count] = {}


def demand_window() -> tuple[datetime, datetime]:
    """A window no other demand of the run uses: 08:00, 10:00 … 16:00, an hour each; two hours
    apart, so that the lecturers' travel buffer (30 min) never makes a grabber busy."""
    i = next(demand_slots)
    start = FIRST_DAY + timedelta(days=i // 5, hours=8 + 2 * (i % 5))
    return start, start + timedelta(hours=1)


def booking_time(lecturer_id: int) -> tuple[datetime, datetime]:
    """The lecturer's next evening, 19:00–20:00: never the time of a demand, never twice."""
    day = next(lecturer_days.setdefault(lecturer_id, itertools.count()))
    start = FIRST_DAY + timedelta(days=day, hours=19)
    return start, start + timedelta(hours=1)


def said(response) -> str:
    if not response.status_code:  # no answer: the connection failed or was cut
        return f"no response: {response.error!r}"[:160]
    try:
        body = response.json()
        return f"{response.status_code} {body.get('code') or ''} {body.get('detail') or ''}"[:160]
    except ValueError:
        return f"{response.status_code} {response.text[:120]!r}"


def expect(response, status: int) -> bool:
    if response.status_code == status:
        response.success()
        return True
    response.failure(said(response))
    return False


class Secretary(HttpUser):
    """A branch secretary of one of the counties: the catalogue on pages and through the API,
    searches, bookings the lecturer accepts, demands with recommendations, broadcast, grab."""

    weight = 10
    wait_time = between(0.1, 0.5)

    def on_start(self):
        self.county = random.choice(DATA["counties"])
        self.me = random.choice(self.county["secretaries"])
        self.client.headers["Authorization"] = f"Bearer {self.me['token']}"
        self.client.headers["Accept"] = "application/json"
        self.lecturer_ids = [int(k) for k in self.county["lecturers"]]
        # The browser: pages with the session cookie, apart from the API client.
        self.pages = HttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self
        )
        self.pages.cookies.set("sessionid", self.me["session"])
        self.pages.headers["Accept"] = "text/html"

    def lecturer_token(self, lecturer_id: int) -> str:
        return self.county["lecturers"][str(lecturer_id)]["token"]

    def page(self, path: str, name: str) -> None:
        with self.pages.get(path, name=name, catch_response=True, allow_redirects=False) as r:
            expect(r, 200)

    def api(self, path: str, name: str, **params) -> None:
        with self.client.get(path, params=params, name=name, catch_response=True) as r:
            expect(r, 200)

    @task(3)
    def catalogue_pages(self):
        self.page("/lecturers/", "/lecturers/ (page)")
        self.page("/courses/", "/courses/ (page)")
        self.page(f"/lecturers/{random.choice(self.lecturer_ids)}/", "/lecturers/<id>/ (page)")

    @task(3)
    def catalogue_api(self):
        self.api("/api/v1/lecturers", "/api/v1/lecturers")
        self.api("/api/v1/courses", "/api/v1/courses")
        self.api(f"/api/v1/lecturers/{random.choice(self.lecturer_ids)}", "/api/v1/lecturers/<id>")

    @task(3)
    def search(self):
        words = DATA["search"]
        self.api(
            "/api/v1/lecturers", "/api/v1/lecturers?q=<汉字>", q=random.choice(words["chinese"])
        )
        self.api(
            "/api/v1/lecturers", "/api/v1/lecturers?q=<pinyin>", q=random.choice(words["pinyin"])
        )
        self.api(
            "/api/v1/courses", "/api/v1/courses?q=<汉字>", q=random.choice(words["chinese"][:5])
        )
        query = random.choice(words["chinese"] + words["pinyin"])
        self.page(f"/lecturers/?q={query}", "/lecturers/?q= (page)")

    @task(2)
    def book_and_accept(self):
        lecturer_id, course_id = random.choice(self.me["bookable"])
        start, end = booking_time(lecturer_id)
        body = {
            "org_id": self.me["org_id"], "lecturer_id": lecturer_id, "course_id": course_id,
            "start": start.isoformat(), "end": end.isoformat(), "venue": "党群服务中心二楼会议室",
            "expected_attendees": 30, "classroom": "classroom",
        }  # fmt: skip
        with self.client.post(
            "/api/v1/bookings", json=body, name="/api/v1/bookings", catch_response=True
        ) as r:
            if not expect(r, 201):
                return
            booking_id = r.json()["id"]
        with self.client.post(
            f"/api/v1/bookings/{booking_id}/accept",
            name="/api/v1/bookings/<id>/accept",
            headers={"Authorization": f"Bearer {self.lecturer_token(lecturer_id)}"},
            catch_response=True,
        ) as r:
            if expect(r, 200) and r.json().get("status") != "confirmed":
                r.failure(f"accepted but {r.json().get('status')}")

    @task(1)
    def demand_and_grab(self):
        start, end = demand_window()
        topic = random.choice(DATA["search"]["chinese"][:5]) + "专题培训"
        body = {
            "org_id": self.me["org_id"], "topic": topic, "window_start": start.isoformat(),
            "window_end": end.isoformat(), "duration_minutes": 60, "expected_attendees": 40,
        }  # fmt: skip
        with self.client.post(
            "/api/v1/demands", json=body, name="/api/v1/demands", catch_response=True
        ) as r:
            if not expect(r, 201):
                return
            demand_id = r.json()["id"]
        with self.client.get(
            f"/api/v1/demands/{demand_id}/recommendations",
            params={"limit": 10},
            name="/api/v1/demands/<id>/recommendations",
            catch_response=True,
        ) as r:
            if not expect(r, 200):
                return
            if not r.json():
                r.failure("no lecturer recommended")
                return
        with self.client.post(
            f"/api/v1/demands/{demand_id}/broadcast",
            json={"limit": 3},
            name="/api/v1/demands/<id>/broadcast",
            catch_response=True,
        ) as r:
            if not expect(r, 200):
                return
            notified = r.json().get("notified") or []
            if not notified:
                r.failure("nobody notified")
                return
        grabber = notified[0]
        course_id = self.county["lecturers"][str(grabber)]["course_id"]
        with self.client.post(
            f"/api/v1/demands/{demand_id}/grab",
            json={"course_id": course_id, "start": start.isoformat()},
            name="/api/v1/demands/<id>/grab",
            headers={"Authorization": f"Bearer {self.lecturer_token(grabber)}"},
            catch_response=True,
        ) as r:
            expect(r, 200)


class Trainee(HttpUser):
    """Trainees of village halls: each opens the rating page of a session under way and rates
    it, a new phone and device each time, 30 to a hall's address."""

    weight = 5
    wait_time = between(0.1, 0.5)

    def on_start(self):
        self.sessions = [t for c in DATA["counties"] for t in c["trainee_tokens"]]

    @task
    def rate(self):
        i = next(trainees)
        token = random.choice(self.sessions)
        hall = i // HALL_SIZE
        headers = {
            "Cookie": f"jt_device=province-{i:08d}",
            "X-Forwarded-For": f"10.{hall // 256 % 256}.{hall % 256}.1",
        }
        self.client.cookies.clear()
        with self.client.get(
            f"/e/{token}", name="/e/<token> (trainee page)", headers=headers, catch_response=True
        ) as r:
            expect(r, 200)
        body = {
            "name": f"学员{i:05d}", "phone": f"158{i:08d}", "comment": "",
            "content": 60 + i % 41, "method": 55 + i % 46, "effect": 50 + i % 51,
        }  # fmt: skip
        with self.client.post(
            f"/api/v1/evaluations/{token}",
            json=body,
            name="/api/v1/evaluations/<token>",
            headers=headers,
            catch_response=True,
        ) as r:
            expect(r, 201)


class Dashboards(HttpUser):
    """An admin reading figures, as pages and through the API (no tasks of its own)."""

    abstract = True
    fixed_count = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.pages = HttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self
        )
        self.pages.headers["Accept"] = "text/html"
        self.client.headers["Accept"] = "application/json"

    def as_(self, who: dict) -> None:
        self.client.headers["Authorization"] = f"Bearer {who['token']}"
        self.pages.cookies.clear()
        self.pages.cookies.set("sessionid", who["session"])

    def get(self, client, path: str, name: str) -> None:
        # A figure that takes longer than this is a failure (a read timeout), not a request
        # that never ends and so never shows in the statistics.
        with client.get(
            path, name=name, catch_response=True, allow_redirects=False, timeout=DASHBOARD_TIMEOUT
        ) as r:
            expect(r, 200)


class Admin(Dashboards):
    """The county admins of the counties under load: their dashboard."""

    @task
    def dashboard(self):
        self.as_(random.choice(DATA["counties"])["admin"])
        self.get(self.client, "/api/v1/stats", "/api/v1/stats")
        self.get(self.pages, "/dashboard/", "/dashboard/ (page)")


class ProvinceAdmin(Dashboards):
    """The province admin: every county's figures side by side."""

    @task
    def dashboard(self):
        self.as_(DATA["province"])
        self.get(self.client, "/api/v1/province/stats", "/api/v1/province/stats")
        self.get(self.pages, "/province/", "/province/ (page)")


class Bare(HttpUser):
    """The bare views on the same server, all along the run: the baseline of every ratio."""

    fixed_count = 1
    wait_time = constant(0.1)

    @task
    def bare(self):
        with self.client.get("/healthz", name="/healthz (bare)", catch_response=True) as r:
            expect(r, 200)
        with self.client.post(
            "/bench/insert", data=b"{}", name="/bench/insert (bare)", catch_response=True
        ) as r:
            expect(r, 200)
