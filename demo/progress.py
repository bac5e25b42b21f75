"""How far the demo county's loading is, for the pages served meanwhile (issue 18).

`manage.py serve` starts the web server as soon as the database is migrated and loads the demo
county beside it (`seed_demo --progress-file PATH`, one transaction). The seed writes its
progress to a small JSON file, `{"state": "loading" | "ready" | "failed", "percent": n}`,
replaced atomically at each step; serve hands the file's path to the web server in
`JIANGTAI_DEMO_PROGRESS`. While the state is not "ready", every page shows a banner
("演示县正在生成… 45%") and `/demo/progress` answers the state as JSON for the banner's script.
Without the variable (production, a database that had its data already, tests), or once the
demo is ready, nothing is shown and nothing is read again."""

import json
import os
from pathlib import Path

ENV = "JIANGTAI_DEMO_PROGRESS"
LOADING, READY, FAILED = "loading", "ready", "failed"

_ready = False  # once ready, never read again in this process


def write(path: str | Path, state: str, percent: int) -> None:
    """Replace the file at once (readers see the old or the new state, never half of one)."""
    path = Path(path)
    part = path.with_name(f".{path.name}.{os.getpid()}")
    part.write_text(json.dumps({"state": state, "percent": percent}))
    os.replace(part, path)


def read(path: str | Path) -> dict | None:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("state") not in (LOADING, READY, FAILED):
        return None
    return {"state": data["state"], "percent": int(data.get("percent") or 0)}


def reporter(path: str | Path):
    """A `progress(fraction)` for seed_demo that writes the file when the whole percent
    changes; 100 only when the seed has committed (`write(path, READY, 100)`)."""
    last = -1

    def report(fraction: float) -> None:
        nonlocal last
        percent = max(0, min(99, int(fraction * 100)))
        if percent != last:
            last = percent
            write(path, LOADING, percent)

    return report


def current() -> dict | None:
    """The state to show, or None when there is nothing to show: no demo loading under this
    server, or loaded already. A missing file counts as loaded (serve removes it at exit)."""
    global _ready
    if _ready:
        return None
    path = os.environ.get(ENV)
    data = read(path) if path else None
    if data is None or data["state"] == READY:
        _ready = True
        return None
    return data


def reset() -> None:
    """Forget that the demo was seen ready (tests)."""
    global _ready
    _ready = False
