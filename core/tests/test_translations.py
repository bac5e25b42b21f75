"""Chinese is the default language: the catalogue is complete and its compiled form is current."""

from pathlib import Path

import polib
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
