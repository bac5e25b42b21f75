from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from core.prepared import by_pk
from core.text import ascii_digits

from .models import User

# The signed-in user, read on every page.
_user_by_id = by_pk(User)


def user_for_login_name(username) -> User | None:
    """The account a login name means: its username or its 11-digit mobile number.

    The login check and the failed-login throttle both ask this, so that a phone and a
    username count against the same account."""
    if not isinstance(username, str) or not username.strip() or "\x00" in username:
        return None
    username = username.strip()
    # A phone typed in full-width (or another script's) digits is the same phone.
    phone = ascii_digits(username)
    return User.objects.filter(Q(username=username) | Q(phone=phone)).order_by("pk").first()


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or with the 11-digit mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = user_for_login_name(username)
        if user is None:
            # Spend the same time as a real check so that timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """ModelBackend's, with the read built once."""
        user = _user_by_id(user_id) if isinstance(user_id, int) else None
        return user if user is not None and self.user_can_authenticate(user) else None
