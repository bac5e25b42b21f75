"""No mobile or ID number reaches the log: the handler's filter masks them in the message,
its arguments and an exception's traceback."""

import io
import logging

from core.logmask import MaskPersonalDataFilter, mask_personal_numbers


def test_numbers_in_text_are_masked_and_others_left_alone():
    text = "call 13812345678 or +86 13912345678, id 11010519491231002X, order 2026113012345678901"
    masked = mask_personal_numbers(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "13912345678" not in masked and "139****5678" in masked
    assert "19491231" not in masked and "110105********002X" in masked
    assert "2026113012345678901" in masked  # a long reference number is not a phone
    assert mask_personal_numbers("digest a13812345678b") == "digest a13812345678b"


def test_every_record_of_the_configured_logging_is_masked():
    """The settings' console handler carries the filter: a record from any logger, with the
    number in its arguments or in an exception, comes out masked."""
    root = logging.getLogger()
    handler = next(h for h in root.handlers if any(isinstance(f, MaskPersonalDataFilter) for f in h.filters))  # fmt: skip
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    try:
        logging.getLogger("notifications.channels").warning("SMS to %s failed", "13712345678")
        try:
            raise ValueError("bad id 370102198001011234")
        except ValueError:
            logging.getLogger("django.request").exception("failed for %s", "15012345678")
    finally:
        handler.setStream(old_stream)
    output = stream.getvalue()
    for number in ("13712345678", "15012345678", "370102198001011234"):
        assert number not in output
    assert "137****5678" in output and "150****5678" in output and "370102********1234" in output
