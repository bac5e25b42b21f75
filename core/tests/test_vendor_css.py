"""The pages load the base of the vendored WeUI stylesheet only (core/vendor_css.py)."""

import re
from pathlib import Path

from django.conf import settings

from core.management.commands.vendor_css import SOURCE, TARGET
from core.vendor_css import trimmed


def test_the_served_base_is_what_the_vendored_stylesheet_gives():
    """Fails while weui.base.css is stale: run `manage.py vendor_css`."""
    assert TARGET.read_text(encoding="utf-8") == trimmed(SOURCE.read_text(encoding="utf-8"))
    assert TARGET.stat().st_size < SOURCE.stat().st_size / 50
    assert "Copyright" in TARGET.read_text(encoding="utf-8")  # the MIT licence's notice stays


def test_no_page_or_script_uses_a_weui_component():
    """What the trim drops is unused: no template, script or view names a WeUI class."""
    base = Path(settings.BASE_DIR)
    found = []
    for path in base.rglob("*"):
        parts = set(path.relative_to(base).parts)
        if parts & {".venv", "staticfiles", "vendor", "node_modules", "tests", ".git"}:
            continue
        if path.suffix in {".html", ".js", ".py"} and re.search(
            r"\bweui-", path.read_text(encoding="utf-8", errors="replace")
        ):
            found.append(str(path.relative_to(base)))
    assert found == [], found


SAMPLE = """/*! Sample v1 | MIT */
.wx-root,body{--weui-BG:#fff;--weui-FG:var(--weui-INK);--weui-INK:#111;--weui-UNUSED:red}
body{color:var(--weui-FG);font-family:system-ui}
.weui-btn{color:red}.weui-cell,a{text-decoration:none}
@media (prefers-color-scheme:dark){body:not([data-weui-theme=light]){--weui-FG:#eee}.weui-btn{color:blue}}
@media (min-width:352px){a[href="{x}"]{content:"}"}}
@keyframes weuiFade{from{opacity:0}to{opacity:1}}
input{background:url("data:image/svg+xml;charset=utf-8,%3Csvg%3E{}%3C/svg%3E")}
"""


def test_the_trim_keeps_the_base_and_the_variables_it_reads():
    out = trimmed(SAMPLE)
    assert out.startswith("/*! Sample v1 | MIT */\n")
    rules = out.split("\n", 2)[2].strip()
    assert rules == (
        "body{--weui-FG:var(--weui-INK);--weui-INK:#111}"  # read through --weui-FG
        "body{color:var(--weui-FG);font-family:system-ui}"
        "a{text-decoration:none}"  # the component's entry left the selector list
        '@media (min-width:352px){a[href="{x}"]{content:"}"}}'  # braces inside strings
        'input{background:url("data:image/svg+xml;charset=utf-8,%3Csvg%3E{}%3C/svg%3E")}'
    )
