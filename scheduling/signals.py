from django.dispatch import Signal

# Sent inside the transaction of every booking transition, with `booking`, `actor`,
# `from_status`; other apps (matching) listen instead of scheduling knowing about them.
booking_transitioned = Signal()

# Sent while the booking page is drawn, with `user` and `booking`. Each receiver returns a dict
# of what its app adds to the page (evaluation: the session's scores, the QR poster, rating the
# organisation), so the page is composed from the apps above without scheduling knowing them.
booking_page = Signal()
