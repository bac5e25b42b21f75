"""The one shape every list and form page of the back office (and of the apps below it, such
as development) starts from.

A list page is a GET filter form over a selector, paged, keeping the filters in the pager's
links; a form page binds a form on POST, hands its cleaned data to a service and, when the
service refuses, shows its error on the field it names (status 422), with nothing written.
"""

from collections.abc import Callable

from django.core.paginator import Paginator
from django.shortcuts import render

from core.errors import Conflict, InvalidInput
from core.forms import apply_service_error


def filters_from(form) -> dict:
    """The filter values that read; a bad one is dropped rather than refused, as a search box
    should. An unbound form filters nothing."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])}


def paged(request, rows, page_size: int) -> dict:
    """`page` (the current page of `rows`) and `query` (the request's other parameters, for the
    pager's links) for a list template."""
    page = Paginator(rows, page_size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


def form_page(
    request,
    form,
    act: Callable,
    *,
    template: str,
    context: dict | None = None,
    field_map: dict | None = None,
):
    """Render `template` with `form`; on a valid POST call `act(cleaned_data)`, which returns
    the response to send (usually a redirect). Bad input or a conflict the service reports
    lands on the form (422 or 409); a refusal (403, 404) goes on to the error pages."""
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                return act(form.cleaned_data)
            except (InvalidInput, Conflict) as exc:
                apply_service_error(form, exc, field_map)
                status = exc.status
    return render(request, template, {**(context or {}), "form": form}, status=status)
