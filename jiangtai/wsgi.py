import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangtai.settings")
application = get_wsgi_application()

from jiangtai.warmup import preload  # noqa: E402  (needs the apps loaded)

preload()
