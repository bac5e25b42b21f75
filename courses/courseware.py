"""A course's courseware (课件): a PDF, a PowerPoint or a Word document, old (.ppt, .doc) or new
(.pptx, .docx), checked by its content before it is stored (core.uploads): an executable or a
web page renamed .pdf must not be handed to the county's staff as courseware, and documents
with macros are refused. The files are stored privately (core.storage) and handed out only
to those who may see the course (courses.selectors.course_attachment_for_user)."""

from django.utils.translation import gettext as _

from core.uploads import KINDS, check_file

MAX_COURSEWARE_BYTES = 20 * 1024 * 1024
SUFFIXES = (".pdf", ".ppt", ".pptx", ".doc", ".docx")
ACCEPT = ",".join([*SUFFIXES, *(KINDS[s][1] for s in SUFFIXES)])


def check_courseware(upload) -> str:
    """The file's suffix (".pdf", …) if the upload is courseware we take; InvalidInput naming
    `attachment` otherwise."""
    return check_file(
        upload,
        field="attachment",
        suffixes=SUFFIXES,
        max_bytes=MAX_COURSEWARE_BYTES,
        wrong_type_message=_(
            "Courseware must be a PDF, PowerPoint (PPT, PPTX) or Word (DOC, DOCX) file."
        ),
    )
