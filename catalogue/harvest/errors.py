"""Why a harvest job fails. Each message is shown to a publisher as it stands, so it says
what was wrong with the source in plain words (and never includes a stack trace)."""


class HarvestError(Exception):
    """The job cannot go on: it fails with this message and nothing already stored changes."""


class UnsafeDocument(HarvestError):
    """The source sent something Provcat refuses to parse (a DTD, a remote JSON-LD context...)."""


class MalformedPage(HarvestError):
    """A page of the source could not be read as the format it claims."""


class SourceUnreachable(HarvestError):
    """The source could not be fetched (refused address, timeout, HTTP error, too large)."""
