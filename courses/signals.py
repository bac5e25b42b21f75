from django.dispatch import Signal

# Sent inside the transaction of the county's review of a lecturer's proposal, with `course`,
# `actor`, `approved` (bool), `reason` (empty when approved) and `is_change` (a new version of
# an offered course rather than a new course). Notifications tells the lecturer.
course_reviewed = Signal()

# Sent inside the transaction of a lecturer's proposal that awaits the county's review: a new
# course, a returned one sent again, or a new version of an offered one (`is_change`), with
# `course` and `actor`. Notifications tells the county's admins.
course_submitted = Signal()

# Sent while the course page is drawn, with `user` and `course`. Each receiver returns a dict of
# what its app adds to the page (classrooms: the course's video lessons), so that the page is
# composed from the apps above without courses knowing them.
course_page = Signal()
