"""Personal numbers never reach the log: a filter on every handler masks mainland mobile
numbers (138****5678) and resident ID numbers (110101********1234) in each record's text,
its arguments included, and in the traceback of an exception it carries."""

import logging
import re

from .text import mask_phone

# Not inside a longer run of digits or letters, so that order numbers, timestamps and hex
# digests are left alone. An optional +86 / 86 country prefix is masked along with it.
MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?(1[3-9][0-9]{9})(?![0-9A-Za-z])")
ID_CARD_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])([1-9][0-9]{5})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])"
)


def mask_personal_numbers(text: str) -> str:
    # ID numbers first: 18 digits would otherwise never match a mobile, but be explicit.
    text = ID_CARD_IN_TEXT.sub(lambda m: f"{m.group(1)}********{m.group(3)[-4:]}", text)
    return MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), text)


class MaskPersonalDataFilter(logging.Filter):
    """Rewrites the record in place (message with its arguments merged, exception text) and
    lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for logging's own error report
            return True
        masked = mask_personal_numbers(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_numbers(record.stack_info)
        return True
