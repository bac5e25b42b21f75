import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files that no web server serves directly (invitation letters): only views that check
    access hand them out. The folder is read from settings on every use."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


_private = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _private
