"""Small files of every kind the courseware checks meet, real and disguised."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def ooxml(main_part: str, *, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        types = b'<?xml version="1.0"?><Types/>'
        if macros:
            types = b'<Types><Default ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'  # fmt: skip
            archive.writestr("word/vbaProject.bin", b"\x00" * 10)
        archive.writestr("[Content_Types].xml", types)
        archive.writestr(main_part, b"<xml/>")
    return buffer.getvalue()


DOCX = ooxml("word/document.xml")
PPTX = ooxml("ppt/presentation.xml")
DOC = OLE + "WordDocument".encode("utf-16-le") + b"\x00" * 64
PPT = OLE + "PowerPoint Document".encode("utf-16-le") + b"\x00" * 64


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
