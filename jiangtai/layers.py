"""The floors of the project's apps (DESIGN.md "Layers"), lowest first, in one place.

An app imports only from apps on lower floors; `SIDEWAYS` names the few imports allowed
between apps of one floor. `core/tests/test_layers.py` reads every app's code with `ast` and
fails on anything else, lazy imports inside functions included, so a new app must be given
its floor here before its code can import anything.

Where the floors differ from DESIGN.md's wording, the code decided:
- The access rules need nothing above the organisations and the pool (`lecturers`,
  `courses`) must ask them, so they live in `orgs.rules`; the `access` app above the pool
  presents them to every app above it and holds the writes they govern (organisations,
  county settings). Rules over other apps' records are filters over field names that each
  app's selectors apply to its own model.
- `notifications` sits below `scheduling`: every domain app's services notify in their own
  transaction, so notifications knows none of them; what it must ask about a subject (does a
  message about this booking still matter?) the app above registers (`relevance.register`),
  and the booking reminders are scheduling's own periodic job.
"""

FLOORS: list[tuple[str, ...]] = [
    ("core",),
    ("accounts", "orgs"),
    ("lecturers", "courses"),
    ("access",),
    ("notifications",),
    ("scheduling",),
    # Neither imports the other.
    ("matching", "evaluation"),
    # Not built yet; listed so that they land on their floor.
    ("appraisal", "development", "classrooms"),
    ("backoffice", "reports", "demo", "api"),
    # The project package: settings and the URL map, above every app.
    ("jiangtai",),
]

# Imports allowed between apps of one floor, as (importer, imported).
SIDEWAYS: set[tuple[str, str]] = {
    # A user's county is an organisation; the county's settings say how long API logins last.
    ("accounts", "orgs"),
    # The pool: a course has its lecturer, a lecturer is found by the titles of their courses.
    ("lecturers", "courses"),
    ("courses", "lecturers"),
    # The API's routers are the HTTP face of each app: the back office's router calls its
    # services and selectors as the other routers call theirs. The back office imports no
    # router, so nothing goes the other way.
    ("api", "backoffice"),
    # Likewise the dashboard's figures (GET /stats): the router reads the reports app's
    # selectors and period form; reports imports no router.
    ("api", "reports"),
}

FLOOR_OF: dict[str, int] = {app: level for level, apps in enumerate(FLOORS) for app in apps}


def may_import(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    if FLOOR_OF[imported] < FLOOR_OF[importer]:
        return True
    return (importer, imported) in SIDEWAYS
