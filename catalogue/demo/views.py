"""Sample files behind the demo catalogue's download links, so the demo's links work
without any outside address (the files themselves are built in catalogue.demo.files)."""

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse

from catalogue.access import dataset_for_user
from catalogue.demo.files import CONTENT_TYPES, sample_file_bytes
from catalogue.demo.loader import demo_file_rows


def demo_file(request, slug, extension):
    if extension not in CONTENT_TYPES:
        raise Http404("The demo has sample files in CSV, JSON, GeoJSON, XLSX and ODS only.")
    dataset = dataset_for_user(request.user, slug=slug)
    if not dataset.distributions.filter(download_url__endswith=f"/demo/files/{slug}.{extension}").exists():
        raise Http404("This dataset has no such demo file.")
    body = sample_file_bytes(demo_file_rows(dataset), extension)
    response = HttpResponse(body, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{slug}.{extension}"'
    return response


CATALOGUES = Path(__file__).resolve().parent / "catalogues"


def demo_catalogue(request, name):
    """A remote catalogue for the demo's harvest source, with this server as the address of its files."""
    path = CATALOGUES / f"{name}.ttl"
    if not name.replace("-", "").isalnum() or not path.is_file():
        raise Http404("The demo has no such catalogue.")
    body = path.read_text().replace("{base}", settings.PROVCAT_BASE_URI)
    return HttpResponse(body, content_type="text/turtle; charset=utf-8")
