# The booking payload of the scheduling tests, for tests that book a lecturer.
from scheduling.tests.conftest import booking_payload  # noqa: F401
