"""What organisations tell the apps above them."""

from django.dispatch import Signal

# A county's star thresholds changed (sent inside the settings' transaction): whoever keeps
# star levels re-stars the county's records by the new thresholds. Argument: county_id.
star_thresholds_changed = Signal()
