"""The static files' storage outside DEBUG: WhiteNoise's hashed names and pre-compressed
copies, compressed faster (issue 18: a first `make run` spent about a minute here).

- Brotli at quality 9, not WhiteNoise's 11, except in production (`JIANGTAI_PRODUCTION=1`,
  where a deployment compresses once): quality 11 took some 50 s of CPU for these files on
  a 2-core machine, quality 9 about 2 s, for copies about 8 % larger (echarts 297 KB
  instead of 271 KB; gzip, which every browser takes, is unchanged).
- Source maps (`.map`, django-ninja's API docs) are not compressed: only a browser's
  developer tools ask for them, and they were half of the work."""

from django.conf import settings
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

DEMO_BROTLI_QUALITY = 9
SKIP_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")


class _Compressor(Compressor):
    quality = 11

    def compress_brotli(self, data: bytes) -> bytes:
        import brotli  # only called when WhiteNoise found it installed

        return brotli.compress(data, quality=self.quality)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs):
        compressor = _Compressor(**{**kwargs, "extensions": SKIP_EXTENSIONS})
        if not settings.PRODUCTION:
            compressor.quality = DEMO_BROTLI_QUALITY
        return compressor
