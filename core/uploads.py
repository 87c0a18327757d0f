"""Uploads larger than the product takes are not kept: their bytes are counted, not stored.

Django writes an upload of any size to a temporary file before a view sees it. This handler, first in
``FILE_UPLOAD_HANDLERS``, passes a file's bytes on to the usual handlers until it is over
``settings.UPLOAD_MAX_BYTES``, then swallows the rest and hands the view an empty file that keeps the size
sent, so that the form can say the file is too large (in German, on its field) instead of the server
filling its disk or answering with an error page.
"""

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUpload(InMemoryUploadedFile):
    """An upload over the limit: no content, the size that was sent."""


class CappedUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        return None if self.received > settings.UPLOAD_MAX_BYTES else raw_data

    def file_complete(self, file_size: int) -> OversizedUpload | None:
        if file_size <= settings.UPLOAD_MAX_BYTES:
            return None  # the next handler has every byte and returns the file
        return OversizedUpload(
            io.BytesIO(),
            self.field_name,
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )
