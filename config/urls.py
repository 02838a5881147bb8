from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from catalogue.demo.views import demo_catalogue, demo_file
from config.api_docs import RedocView, redoc_script
from config.health import healthz

handler404 = "config.errors.not_found"

# Each include is owned by one part of the app; see the module named.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # Machine users: a person's account page and the API tokens they make and revoke there.
    path("", include("catalogue.accounts.urls")),
    path("demo/files/<slug:slug>.<str:extension>", demo_file, name="demo-file"),
    path("demo/catalogues/<slug:name>.ttl", demo_catalogue, name="demo-catalogue"),
    # Lineage: OpenLineage ingestion and lineage queries under /api/v1/ (before the catalogue API),
    # PROV-O exports /datasets/<slug>/provenance.ttl|jsonld and lineage stubs (before catalogue.urls).
    path("api/v1/", include("provenance.api_urls")),
    path("", include("provenance.urls")),
    # Publisher: the REST API, its OpenAPI 3 schema and docs, and the publisher's pages.
    path("api/v1/", include("catalogue.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so no inline script is needed (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Redoc, its bundle served from here (with the Redocly logo taken off its CDN), config/api_docs.py.
    path("api/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/redoc/redoc.standalone.js", redoc_script, name="api-redoc-script"),
    # DCAT: /catalog (+ .ttl .rdf .jsonld .nt, dump, changes), /datasets/<slug>.<suffix>, CKAN /api/3/action/.
    path("", include("catalogue.dcat.urls")),
    path("", include("catalogue.publish.urls")),
    # Search's synonyms page (/publish/synonyms/); the search page itself is catalogue.urls' "/".
    path("", include("catalogue.search.urls")),
    # Harvesting: sources, jobs and their progress (/harvest/...), and its REST API.
    path("", include("catalogue.harvest.urls")),
    # Sharing: the public register (/sharing/, /sharing.csv, .json, /sharing/<id>.ttl) and the
    # parties' workflow pages (/publish/sharing/...).
    path("", include("catalogue.sharing.urls")),
    # The glossary (/glossary/..., SKOS and CSV exports), the compatibility check (/compare/)
    # and the owners' pages (/publish/glossary/...).
    path("", include("catalogue.glossary.urls")),
    path("", include("catalogue.urls")),
]
