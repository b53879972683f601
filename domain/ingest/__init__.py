"""Turning uploaded files into the `DocumentIR` every review reads (docs/review-engine.md).

Supported: PDF, DOCX, Markdown, reStructuredText, plain text. Anything that
cannot be read raises `IngestRefused` with a `RefusalReason` and a message
written for the person who uploaded the file.
"""

from domain.ingest.core import ingest
from domain.ingest.errors import IngestRefused, RefusalReason

__all__ = ["IngestRefused", "RefusalReason", "ingest"]
