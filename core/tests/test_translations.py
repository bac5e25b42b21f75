"""Chinese is the default language: the catalogue is complete and its compiled form is current."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_string_has_a_chinese_translation():
    catalogue = polib.pofile(str(PO))
    missing = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not missing, missing[:10]
    assert not fuzzy, fuzzy[:10]


def test_the_compiled_catalogue_matches_the_source():
    source = {
        (e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0))
        for e in polib.pofile(str(PO))
        if not e.obsolete
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0))
        for e in polib.mofile(str(PO.with_suffix(".mo")))
    }
    assert source == {k: v for k, v in compiled.items() if k[1]}, (
        "run `make messages` (compilemessages)"
    )


def test_pages_default_to_chinese(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in html
    with translation.override("zh-hans"):
        assert translation.gettext("Lecturers") != "Lecturers"


def test_english_is_available(client):
    html = client.get("/accounts/login/", headers={"Accept-Language": "en"}).content.decode()
    assert 'lang="en"' in html and "Log in" in html


def test_the_catalogue_holds_every_string_of_the_code(tmp_path, settings):
    """Extract the strings afresh (GNU xgettext) into a scratch catalogue and compare: a new
    string without its Chinese translation fails here. CI installs gettext."""
    import os
    import shutil

    from django.core.management import call_command

    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            raise AssertionError("CI must have GNU gettext (apt-get install gettext)")
        pytest.skip("GNU gettext is not installed (apt-get install gettext)")
    # A scratch tree of links to the source, without our `locale`, so nothing of ours is written.
    source = tmp_path / "src"
    source.mkdir()
    skip = {"locale", "bench", "staticfiles", "media", "test-artifacts", "docs"}
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in skip:
            (source / entry.name).symlink_to(entry)
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    cwd = os.getcwd()
    os.chdir(source)
    try:
        call_command(
            "makemessages", locale=["zh_Hans"], symlinks=True, no_obsolete=True, verbosity=0
        )
    finally:
        os.chdir(cwd)
    fresh = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    }
    ours = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO)) if not e.obsolete}
    missing = sorted(fresh - ours, key=str)
    assert not missing, (
        f"{len(missing)} strings are not in the catalogue; run `make messages`: {missing[:5]}"
    )
