"""The session engine outside production (`SESSION_ENGINE`; production keeps sessions in
Redis): Django's database sessions, with the read every signed-in page makes built once
(core.prepared; issue 18)."""

from datetime import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.prepared import Prepared


def _live_session(session_key: str, now: datetime):
    return Session.objects.filter(session_key=session_key, expire_date__gt=now).values_list(
        "session_data"
    )


_LIVE_SESSION = Prepared(_live_session, session_key=str, now=datetime)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The live session's row (only its data is read), or None: as Django's."""
        key = self.session_key
        row = _LIVE_SESSION.first(session_key=key, now=timezone.now()) if key else None
        if row is None:
            self._session_key = None
            return None
        return Session(session_key=key, session_data=row[0])
