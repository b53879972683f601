"""Why an upload was refused, in words a Slack user can act on."""

from __future__ import annotations

from enum import StrEnum


class RefusalReason(StrEnum):
    UNSUPPORTED_TYPE = "unsupported_type"
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    NO_TEXT_LAYER = "no_text_layer"
    ZIP_BOMB = "zip_bomb"
    UNDECODABLE_TEXT = "undecodable_text"
    TOO_COMPLEX = "too_complex"


class IngestRefused(Exception):
    """The document cannot be reviewed; `message` is shown to the user as is.

    `__reduce__` is explicit because the default exception pickling replays
    `args`, which would not match this constructor when the refusal is raised
    in a worker process and re-raised in the bot.
    """

    def __init__(self, reason: RefusalReason, message: str) -> None:
        super().__init__(message)
        self.reason = RefusalReason(reason)
        self.message = message

    def __reduce__(self) -> tuple[type[IngestRefused], tuple[RefusalReason, str]]:
        return (type(self), (self.reason, self.message))

    def __repr__(self) -> str:
        return f"IngestRefused({self.reason.value!r}, {self.message!r})"


class TooComplex(Exception):
    """Raised by a reader that has met more structure than a document can plausibly have;
    `ingest` turns it into a refusal naming the file, which readers do not know."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def too_complex(filename: str, why: str) -> IngestRefused:
    return IngestRefused(
        RefusalReason.TOO_COMPLEX,
        f"I stopped reading “{filename}”: {why}. Split it into smaller documents, or export "
        f"it again if it should not be this large.",
    )
