"""The demo county's loading banner on every page while `serve` loads it (demo/progress.py)."""

from . import progress


def demo_progress(request):
    return {"demo_progress": progress.current()}
