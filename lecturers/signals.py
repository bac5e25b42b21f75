from django.dispatch import Signal

# Sent inside the transaction of every lifecycle move (lecturers/lifecycle.py) with `lecturer`,
# `actor`, `change` (the LecturerStatusChange row), `from_status`, `to_status` and `reason`.
# The apps above listen (notifications tells the lecturer) instead of lecturers knowing them.
lecturer_status_changed = Signal()
