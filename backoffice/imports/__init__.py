"""Excel imports of organisations, lecturers and courses (the back office's 导入).

`files` opens an upload safely, `cells` reads one cell, `common` the header and rows, and one
module per kind checks the whole sheet into a plan and writes it. `services.import_run`
drives them from the background task."""

from . import courses, lecturers, orgs

KINDS = {"orgs": orgs, "lecturers": lecturers, "courses": courses}
