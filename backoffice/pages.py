"""The back office's list and form pages start from core.pages (shared with the development
app below the back office, which cannot import it from here)."""

from core.pages import filters_from, form_page, paged

__all__ = ["filters_from", "form_page", "paged"]
