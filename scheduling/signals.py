from django.dispatch import Signal

# Sent inside the transaction of every booking transition, with `booking`, `actor`,
# `from_status`; other apps (matching) listen instead of scheduling knowing about them.
booking_transitioned = Signal()
