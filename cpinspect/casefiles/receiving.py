"""Receiving an extract file over HTTP without holding it (ADR 0022).

``SealedUploadHandler`` is installed for the upload page and the upload endpoint only
(``install``). It refuses a request whose Content-Length is already over the limit before
reading its body, counts the file's bytes as they arrive (refusing at the limit, whatever
the request said), and writes each piece through ``uploads.Receiving``: encrypted, to the
private uploads folder. Whatever happens to the request, a file not given to an Extract is
deleted (``receive`` abandons it when parsing fails; Django closes every uploaded file, so
``SealedUpload.close`` deletes it, at the end of the request).
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from cpinspect.casefiles import conf, uploads

FIELD = "file"
# what a multipart body holds besides the file: boundaries, part headers, the other fields
FORM_ALLOWANCE = 64 * 1024


def size_words(count: int) -> str:
    """2147483648 -> '2 GB (2,147,483,648 bytes)'."""
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= size:
            amount = count / size
            shown = f"{amount:.0f}" if amount.is_integer() else f"{amount:.1f}"
            return f"{shown} {unit} ({count:,} bytes)"
    return f"{count:,} bytes"


class UploadTooLarge(Exception):
    """The request or its file is over the limit; ``str()`` is safe to show."""

    def __init__(self, limit: int, found: int | None, *, declared: bool):
        self.limit, self.found, self.declared = limit, found, declared
        if declared:
            what = f"The request says it is {size_words(found)}"
        else:
            what = f"The file was refused after its first {size_words(found)}"
        super().__init__(
            f"{what}: the largest file accepted is {size_words(limit)}. Nothing was kept. "
            "Ask the force for a smaller extract (fewer columns or a shorter period), or "
            "split it."
        )


class SealedUpload(UploadedFile):
    """The uploaded file as Django's forms see it (a name and a size), while its bytes sit
    encrypted on disk; ``receiving`` is what ``services.extract_queue`` adopts."""

    def __init__(self, receiving: uploads.Receiving, name: str, content_type: str):
        super().__init__(
            file=None, name=name, content_type=content_type, size=receiving.size, charset=None
        )
        self.receiving = receiving

    def open(self, mode=None):
        raise ValueError("An upload being received encrypted cannot be read back here.")

    def read(self, *args):
        raise ValueError("An upload being received encrypted cannot be read back here.")

    def close(self):
        self.receiving.discard()


class SealedUploadHandler(FileUploadHandler):
    chunk_size = 1024 * 1024

    def __init__(self, request, *, inspection_id: int):
        super().__init__(request)
        self.inspection_id = inspection_id
        self.limit = conf.max_file_bytes()
        self.upload = None  # not ``file``: the parser would close that on a skipped part
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit + FORM_ALLOWANCE:
            raise UploadTooLarge(self.limit, content_length, declared=True)
        return None  # the parser goes on, handing the file's pieces to this handler

    def new_file(self, field_name, file_name, content_type, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, *args, **kwargs)
        if field_name != FIELD or self.upload is not None:
            raise SkipFile()  # one extract file a request; any other file part is dropped
        self.upload = SealedUpload(
            uploads.Receiving(self.inspection_id), file_name, content_type or ""
        )

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.upload.close()
            raise UploadTooLarge(self.limit, self.received, declared=False)
        self.upload.receiving.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.upload.receiving.finish()
        self.upload.size = self.upload.receiving.size
        return self.upload

    def upload_interrupted(self):
        self.abandon()

    def abandon(self) -> None:
        """Delete the file being received (the request failed before it was complete)."""
        if self.upload is not None and not self.upload.receiving.adopted:
            self.upload.close()


def install(request, inspection_id: int) -> SealedUploadHandler:
    """Receive this request's file with ``SealedUploadHandler`` (before its body is read)."""
    handler = SealedUploadHandler(request, inspection_id=inspection_id)
    request.upload_handlers = [handler]
    return handler


def receive(request, inspection_id: int) -> None:
    """Read the request's body now, through ``SealedUploadHandler``. Raises
    ``UploadTooLarge``; on any failure the file received so far is deleted."""
    handler = install(request, inspection_id)
    try:
        request.POST  # noqa: B018 (parses the body: the fields, and the file to disk)
    except BaseException:
        handler.abandon()
        raise
