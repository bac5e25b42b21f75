from django.dispatch import Signal

# Sent inside the transaction of the county's review of a lecturer's proposal, with `course`,
# `actor`, `approved` (bool), `reason` (empty when approved) and `is_change` (a new version of
# an offered course rather than a new course). Notifications tells the lecturer.
course_reviewed = Signal()
