"""The user-facing errors: each becomes one line in the CLI or a 4xx JSON from the API."""


class GovqaError(Exception):
    """A problem the user can fix; its message is shown as is, without a traceback."""

    status_code = 400


class InvalidQuestion(GovqaError):
    """The question is empty, too long, or otherwise unusable."""

    status_code = 422


class IndexMissing(GovqaError):
    """No index exists where one was expected."""

    status_code = 503


class IndexCorrupt(GovqaError):
    """The index directory exists but cannot be read."""

    status_code = 503


class IndexMismatch(GovqaError):
    """The index was built with another model or dimension than the one loaded."""

    status_code = 503


class ModelError(GovqaError):
    """The embedding model cannot be found, or its weights are not the expected ones."""

    status_code = 503


class IndexWriteFailed(GovqaError):
    """A new index version could not be written (a full disk, a file-size limit)."""


class SourceError(GovqaError):
    """A source (file, directory or URL) could not be read at all."""


class UnknownTurn(GovqaError):
    """Feedback names a conversation turn this service never answered, or answered too long ago."""

    status_code = 404


class StoreUnavailable(GovqaError):
    """The feedback database does not answer; answers go on, votes cannot be taken."""

    status_code = 503


class SchemaOutdated(GovqaError):
    """The shared database is at an older schema revision than this govqa needs."""

    status_code = 503


class BadServiceURL(GovqaError):
    """GOVQA_REDIS_URL or GOVQA_DATABASE_URL cannot be used as given."""
