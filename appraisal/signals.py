from django.dispatch import Signal

# Sent inside the publishing transaction with `run` (an AppraisalRun, now published) and
# `actor`: what the grades lead to (commendation, reminder talks, cold store) listens here, so
# that it happens with the publication or not at all.
appraisal_published = Signal()
