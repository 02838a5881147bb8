"""Sample files behind the demo catalogue's download links, so the demo's links work
without any outside address."""

import csv
import io
import json

from django.http import Http404, HttpResponse

from catalogue.demo import demo_file_rows
from catalogue.queries import dataset_for_user

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", "geojson": "application/geo+json"}


def demo_file(request, slug, extension):
    if extension not in CONTENT_TYPES:
        raise Http404("The demo has sample files in CSV, JSON and GeoJSON only.")
    dataset = dataset_for_user(request.user, slug=slug)
    if not dataset.distributions.filter(download_url__endswith=f"/demo/files/{slug}.{extension}").exists():
        raise Http404("This dataset has no such demo file.")
    header, *rows = demo_file_rows(dataset)
    if extension == "csv":
        out = io.StringIO()
        csv.writer(out).writerows([header, *rows])
        body = out.getvalue()
    elif extension == "json":
        body = json.dumps([dict(zip(header, row, strict=True)) for row in rows], indent=1)
    else:
        features = [
            {"type": "Feature", "geometry": None, "properties": dict(zip(header, row, strict=True))} for row in rows
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}, indent=1)
    response = HttpResponse(body, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{slug}.{extension}"'
    return response
