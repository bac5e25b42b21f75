# The local stand-in for the SMS provider, for the tests of the SMS the back office sends.
from notifications.tests.conftest import sms_provider  # noqa: F401
