import re
from datetime import date

import pytest
from django import forms

from core.widgets import PlainDateInput, PlainSelect

CHOICES = [
    ("", "全部"),
    (1, "城关街道"),
    (2, '<b>"东城"</b> & 西城'),
    ("组", [(3, "青山镇"), (4, "石门镇")]),
]


def _squeezed(html: str) -> str:
    """Django's templates put each option on its own line; the markup is otherwise the same."""
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", [None, "", 1, "2", 4, 99])
@pytest.mark.parametrize("attrs", [None, {"aria-label": "镇", "required": True, "disabled": False}])
def test_plain_select_writes_what_the_template_widget_writes(value, attrs):
    field_attrs = {"id": "id_town"}
    plain = PlainSelect(attrs=attrs, choices=CHOICES).render("town", value, field_attrs)
    django = forms.Select(attrs=attrs, choices=CHOICES).render("town", value, field_attrs)
    assert plain == _squeezed(str(django))


def test_plain_select_escapes_labels_and_marks_the_chosen_option():
    html = PlainSelect(choices=CHOICES).render("town", 2)
    assert "&lt;b&gt;&quot;东城&quot;&lt;/b&gt; &amp; 西城" in html
    assert '<option value="2" selected>' in html
    assert html.count(" selected") == 1


@pytest.mark.parametrize("value", [None, "", date(2026, 3, 5), "2026-13-40", '"><script>'])
@pytest.mark.parametrize("attrs", [None, {"type": "date", "required": True, "disabled": False}])
def test_plain_date_input_writes_what_the_template_widget_writes(value, attrs):
    field_attrs = {"id": "id_from", "aria-invalid": "true"}
    plain = PlainDateInput(attrs=attrs, format="%Y-%m-%d").render("from", value, field_attrs)
    django = forms.DateInput(attrs=attrs, format="%Y-%m-%d").render("from", value, field_attrs)
    assert plain == str(django).strip()
