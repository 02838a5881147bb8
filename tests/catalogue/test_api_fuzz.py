"""Schemathesis over every operation of the OpenAPI schema, writes included, as an editor.

What must hold for every generated request, however hostile: no 5xx, a response that
conforms to the schema, and no change to another organisation's records. Bounded
(derandomised, a few examples per operation) so the suite stays well inside CI's time.
"""

import collections

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from catalogue import services
from catalogue.actors import system_actor
from catalogue.harvest.models import HarvestJob, HarvestSource
from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Membership,
    Organisation,
    QualityMeasurement,
    ValidationCheck,
    VocabularyTerm,
)
from config.wsgi import application
from provenance.models import Derivation
from provenance.services import dataset_stub_create, derivation_add
from tests.writes import organisation_snapshot

EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def no_throttling(settings):
    # Hundreds of requests from one client in a few seconds: the limits have their own tests.
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_CLASSES"] = []
    settings.REST_FRAMEWORK = rest
    from rest_framework.settings import api_settings

    api_settings.reload()
    yield
    api_settings.reload()


@pytest.fixture
def harvests_sent(monkeypatch):
    """Jobs handed to a worker, kept here: a fuzzed "start a job" must never harvest (the worker
    would connect to the source's address)."""
    from catalogue.harvest.tasks import harvest_run

    sent = []
    monkeypatch.setattr(harvest_run, "apply_async", lambda args=(), kwargs=None, **options: sent.append(args[0]))
    return sent


@pytest.fixture
def other_organisation_records(dft, make_dataset):
    """What bob (an editor at ohs) must never change: dft's draft and published datasets with parts."""
    actor = system_actor("tests")
    records = []
    for title, status in (("Road traffic counts", Dataset.Status.PUBLISHED), ("Rail incidents", Dataset.Status.DRAFT)):
        dataset = make_dataset(title, publisher=dft, status=status)
        services.distribution_save(dataset=dataset, user=actor, data={"access_url": "https://data.example.gov/dft"})
        services.field_save(dataset=dataset, user=actor, data={"name": "count", "definition": "Vehicles"})
        services.validation_check_record(dataset=dataset, user=actor, data={"name": "No gaps", "outcome": "pass"})
        records.append(dataset)
    return records


@pytest.fixture
def editor_schema(db, bob, make_dataset, other_organisation_records, keep_test_connection, no_throttling):
    actor = system_actor("tests")
    own = make_dataset("Hospital admissions")
    make_dataset("Ambulance response times", status=Dataset.Status.DRAFT)
    services.distribution_save(dataset=own, user=actor, data={"access_url": "https://data.example.gov/a"})
    services.field_save(dataset=own, user=actor, data={"name": "region", "definition": "ONS region code"})
    # A derivation across the two organisations, so derivation and lineage routes have ids to act on.
    derivation_add(derived=other_organisation_records[0], source=own, user=actor)
    dataset_stub_create(namespace="postgres://warehouse", name="public.admissions")
    # Harvest sources of both organisations, each with a finished job, for the harvest routes.
    for organisation in (own.publisher, other_organisation_records[0].publisher):
        source = HarvestSource.objects.create(
            organisation=organisation,
            name=f"{organisation.slug} portal",
            url=f"https://{organisation.slug}.example.gov/",
        )
        HarvestJob.objects.create(source=source, status=HarvestJob.Status.FINISHED)
    token = Token.objects.create(user=bob)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    return schema, {"Authorization": f"Token {token.key}"}


def known_values() -> dict[str, list]:
    """Real identifiers of both organisations' records (and ones that name nothing), so that
    generated requests reach the code behind the lookups instead of stopping at a 404."""
    ids = {
        "distributions": Distribution.objects,
        "fields": Field.objects,
        "checks": ValidationCheck.objects,
        "measurements": QualityMeasurement.objects,
        "collection-methods": CollectionMethod.objects,
        "memberships": Membership.objects,
        "derivations": Derivation.objects,
    }
    values = {name: [*manager.values_list("pk", flat=True), 999_999] for name, manager in ids.items()}
    values["datasets"] = [*Dataset.objects.values_list("slug", flat=True), "no-such-dataset"]
    values["organisations"] = [*Organisation.objects.values_list("slug", flat=True), "nowhere"]
    values["users"] = [*get_user_model().objects.values_list("username", flat=True), "nobody"]
    values["history"] = [*Dataset.history.values_list("history_id", flat=True), 999_999]
    values["harvest"] = [
        *HarvestSource.objects.values_list("pk", flat=True),
        *HarvestJob.objects.values_list("pk", flat=True),
        999_999,
    ]
    for scheme in VocabularyTerm.Scheme:
        values[scheme] = [*VocabularyTerm.objects.filter(scheme=scheme).values_list("code", flat=True)[:5], "NOPE"]
    values["urls"] = [
        "https://data.example.gov/road-traffic.csv",
        "javascript:alert(1)",
        "http://169.254.169.254/latest/meta-data/",
        "https://exa mple.gov/<x>",
    ]
    values["emails"] = ["data@example.gov", "not an email"]
    return values


# Which pool a path's or a body's named value is drawn from.
BODY_POOLS = {
    "dataset": "datasets",
    "derived": "datasets",
    "source": "datasets",
    "publisher": "organisations",
    "organisation": "organisations",
    "distribution": "distributions",
    "user": "users",
    "history_id": "history",
}
# Values that must be real to get past validation, replaced only where the case has them.
VALUE_POOLS = {
    "licence": VocabularyTerm.Scheme.LICENCE,
    "frequency": VocabularyTerm.Scheme.FREQUENCY,
    "language": VocabularyTerm.Scheme.LANGUAGE,
    "format": VocabularyTerm.Scheme.FILE_TYPE,
    "media_type": VocabularyTerm.Scheme.MEDIA_TYPE,
    "access_url": "urls",
    "download_url": "urls",
    "landing_page": "urls",
    "conforms_to": "urls",
    "contact_email": "emails",
}


def aimed(case, data, values) -> None:
    """Point the generated case at real records, each value drawn by hypothesis (so a failure
    shrinks to the smallest request that shows it)."""
    resource = case.operation.path.split("/")[3]  # /api/v1/<resource>/...
    for name in case.path_parameters or {}:
        pool = "datasets" if resource == "lineage" else resource
        if pool in values:  # the pools hold identifiers that name nothing too
            case.path_parameters[name] = data.draw(st.sampled_from(values[pool]))
    if isinstance(case.body, dict):
        for name, pool in BODY_POOLS.items():
            if name in case.body or data.draw(st.booleans()):
                case.body[name] = data.draw(st.sampled_from(values[pool]))
        for name, pool in VALUE_POOLS.items():
            if name in case.body and data.draw(st.booleans()):
                case.body[name] = data.draw(st.sampled_from(values[pool]))


def test_no_operation_answers_5xx_or_writes_outside_the_editors_organisation(editor_schema, harvests_sent):
    schema, headers = editor_schema
    before = organisation_snapshot("dft")
    dft_sources = HarvestSource.objects.filter(organisation__slug="dft").values_list("pk", "name", "url", "enabled")
    sources_before = sorted(dft_sources)
    values = known_values()
    failures, statuses = [], collections.Counter()
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(), data=st.data())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case, data):
            aimed(case, data, values)
            response = case.call(headers=headers)
            statuses[case.method.upper(), response.status_code // 100] += 1
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except AssertionError as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == []
    # The writes ran: generated POSTs, PATCHes and DELETEs succeeded on bob's own records (a
    # PUT needs every field valid at once, which random bodies rarely are; it is still sent).
    for method in ("POST", "PATCH", "DELETE"):
        assert statuses[method, 2] > 0, (method, statuses)
    assert organisation_snapshot("dft") == before
    assert sorted(dft_sources) == sources_before
    # bob edits but administers nothing: no harvest was started, so none was sent to a worker.
    assert harvests_sent == [] and not HarvestJob.objects.filter(status__in=HarvestJob.ACTIVE).exists()


CKAN_PARAMETERS = {
    "package_list": ["limit", "offset"],
    "package_show": ["id", "use_default_schema"],
    "package_search": ["q", "fq", "rows", "start", "sort", "facet", "facet.field", "facet.limit", "facet.mincount"],
    "organization_list": ["all_fields", "limit", "offset", "sort", "organizations"],
    "organization_show": ["id", "include_datasets"],
    "status_show": [],
}
hostile_values = st.one_of(
    st.sampled_from(["1e23", "-1", "NaN", "9" * 5000, "[", "{}", '["a"]', "title:x", "a:[1 TO", "\x00", "ohs"]),
    st.text(max_size=30),
    st.integers().map(str),
)


@st.composite
def ckan_requests(draw):
    action = draw(st.sampled_from(sorted(CKAN_PARAMETERS)))
    names = CKAN_PARAMETERS[action]
    params = draw(st.dictionaries(st.sampled_from(names), hostile_values, max_size=4)) if names else {}
    return action, params, draw(st.sampled_from(["GET", "POST"]))


def test_ckan_actions_answer_a_json_envelope_for_any_parameters(client, db, make_dataset):
    make_dataset("Hospital admissions")

    @given(request=ckan_requests())
    @hypothesis_settings(
        max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
    )
    def run(request):
        action, params, method = request
        if method == "GET":
            response = client.get(f"/api/3/action/{action}", params)
        else:
            response = client.post(f"/api/3/action/{action}", params, content_type="application/json")
        assert response.status_code < 500, (action, params, method)
        body = response.json()
        assert body["success"] is (response.status_code == 200), body

    run()
