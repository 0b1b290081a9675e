"""Signals that let sibling apps react to each other without importing each other."""

from django.dispatch import Signal

# Sent when someone proved they own an email address (petition confirmation, comment email
# confirmation). Arguments: ``email``.
email_confirmed = Signal()

# Sent by ``manage.py load_demo`` once the campaigns' demo data is in, so that apps the
# campaigns app must not import (comments, …) add their own. A receiver may return a line
# for the command's summary.
demo_loaded = Signal()
