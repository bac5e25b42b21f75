"""Write vendor/weui.base.css, the part of the vendored WeUI stylesheet the pages use
(core/vendor_css.py); run it after refreshing vendor/weui.min.css."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.vendor_css import trimmed

VENDOR = Path(settings.BASE_DIR) / "jiangtai" / "static" / "vendor"
SOURCE, TARGET = VENDOR / "weui.min.css", VENDOR / "weui.base.css"


class Command(BaseCommand):
    help = "Write vendor/weui.base.css from vendor/weui.min.css (the rules the pages use)."

    def handle(self, *args, **options):
        TARGET.write_text(trimmed(SOURCE.read_text(encoding="utf-8")), encoding="utf-8")
        self.stdout.write(f"{TARGET.name}: {TARGET.stat().st_size} bytes")
