import pytest

from tests.catalogue.preview.files import FileServer


@pytest.fixture
def files(settings):
    """The local file server, with link checks and previews on and loopback allowed."""
    server = FileServer()
    settings.PROVCAT_LINK_CHECKS = True
    settings.PROVCAT_PREVIEWS = True
    settings.PROVCAT_ALLOW_LOOPBACK_FETCH = True
    settings.PROVCAT_LINK_CHECK_TIMEOUT = 1
    settings.PROVCAT_PREVIEW_TIMEOUT = 1
    settings.PROVCAT_PREVIEW_MAX_BYTES = 1024 * 1024
    yield server
    server.close()
