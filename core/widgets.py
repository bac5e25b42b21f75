"""Form widgets written out in Python where Django's template-rendered ones cost too much."""

from django import forms
from django.utils.html import format_html, format_html_join


class PlainSelect(forms.Select):
    """A `<select>` as `forms.Select` renders it, built in Python: the template-rendered
    widget includes a template for every option and its attributes, which on the list pages'
    filter bars (a county's towns, the sort orders) cost more than the page's own query."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option["value"], _attributes(option["attrs"]), option["label"])
                    for option in options
                ),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered)
                if group_name
                else rendered
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            _attributes(widget["attrs"]),
            format_html_join("", "{}", ((group,) for group in groups)),
        )


class PlainDateInput(forms.DateInput):
    """An `<input>` of a date as `forms.DateInput` renders it, built in Python (see
    PlainSelect): the period chooser on the dashboard has two."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            format_html(' value="{}"', str(shown)) if shown is not None else "",
            _attributes(widget["attrs"]),
        )


def _attributes(attrs: dict):
    """HTML attributes in the order given, as Django's attrs.html writes them: True alone,
    False left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )
