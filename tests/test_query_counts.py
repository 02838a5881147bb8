"""Query counts, pinned: every write service, every outbox drain and every read endpoint.

A count that changes is a decision, not an accident: an N+1 (a count that grows with the
rows) fails here, and so does a query added to a page or a service. When a change adds a
query on purpose, update the pin in the same commit and say why in its message.

How the counts are taken:
- Write services are called inside an outer ``transaction.atomic()``, so the derived work
  they set off (the outbox drains run on commit, see tests/conftest.py) runs after the
  counted block: the pin is the service's own transaction. Each drain has its own test,
  counted for a batch of 1 and of 20 datasets.
- Read endpoints are counted with 5 and then 25 datasets (each with every kind of part,
  keywords, a theme and a derivation from the one before), under one pin: a count that
  grew with the rows would fail the second measurement.
- ``pin(sqlite, postgresql)`` gives the count on the database the tests run on; where the
  two differ a comment says why.
"""

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection, transaction

from catalogue import outbox, services
from catalogue.actors import system_actor
from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Membership,
    QualityMeasurement,
    ValidationCheck,
)
from provenance import services as provenance_services
from provenance.models import DatasetAlias, Derivation, OpenLineageEvent
from provenance.openlineage import openlineage_event_apply, openlineage_events_store
from tests.conftest import term


def pin(sqlite: int | None, postgresql: int | None = None) -> int:
    """The pinned count for the database under test (PostgreSQL's only where it differs)."""
    if connection.vendor == "postgresql" and postgresql is not None:
        return postgresql
    return sqlite or 0


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    # The anonymous dataset page is cached per version; every count here is of a real render.
    caches["pages"].clear()
    yield
    caches["pages"].clear()


# --- a catalogue to count against ----------------------------------------------------------


def _add_datasets(organisation, start: int, stop: int, previous: Dataset | None) -> Dataset | None:
    """Datasets ``start``..``stop-1`` with every part, each derived from the one before.

    Written in one transaction so the derived work (search entries, stored records, scores,
    the lineage closure) is drained once, when it commits."""
    actor = system_actor("tests")
    csv, theme = term("file-type", "CSV"), term("theme", "HEAL")
    with transaction.atomic():
        for i in range(start, stop):
            dataset = services.dataset_import(
                user=actor,
                organisation=organisation,
                data={
                    "title": f"Register {i}",
                    "description": f"Register {i}: counts by region and month.",
                    "status": Dataset.Status.PUBLISHED,
                    "licence": term("licence", "OGL_3_0"),
                },
                keywords=["health", f"kw{i}"],
                themes=[theme],
                parts=[
                    Distribution(title="CSV", access_url=f"https://data.example.gov/{i}", format=csv),
                    Field(name="region", definition="GSS code"),
                    Field(name="count", definition="People", position=1),
                    ValidationCheck(name="Rows present", outcome="pass"),
                    QualityMeasurement(dimension="completeness", metric="Rows with a region", value=99.0),
                    CollectionMethod(method_type="survey", description="A survey."),
                ],
            )
            if previous is not None:
                provenance_services.derivation_add(derived=dataset, source=previous, user=actor)
            previous = dataset
    return previous


@pytest.fixture
def catalogue_of(ohs):
    """``catalogue_of(n)`` grows the catalogue to ``n`` datasets; returns them, oldest first."""
    made: list[Dataset] = []

    def grow(n: int) -> list[Dataset]:
        last = made[-1] if made else None
        _add_datasets(ohs, len(made), n, last)
        made[:] = list(Dataset.objects.filter(publisher=ohs).order_by("pk"))
        return made

    return grow


SIZES = (5, 25)


# --- write services --------------------------------------------------------------------------


@pytest.fixture
def dataset(make_dataset):
    dataset = make_dataset("Hospital admissions")
    Distribution.objects.create(dataset=dataset, title="CSV", access_url="https://data.example.gov/a")
    Field.objects.create(dataset=dataset, name="region")
    return dataset


def test_dataset_create_takes_a_fixed_number_of_queries(ohs, bob, django_assert_num_queries):
    with transaction.atomic():
        with django_assert_num_queries(pin(39)):
            services.dataset_create(
                user=bob,
                organisation=ohs,
                data={"title": "Waiting times", "description": "Weeks waited.", "licence": term("licence", "OGL_3_0")},
                keywords=["waits", "hospitals"],
                themes=[term("theme", "HEAL")],
            )


def test_dataset_update_of_its_properties_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    with transaction.atomic():
        # Two of them read the keywords and themes before, so the history says whether they changed.
        with django_assert_num_queries(pin(33)):
            services.dataset_update(
                dataset=dataset,
                user=bob,
                data={"description": "Admissions by trust."},
                expected_revision=dataset.revision,
                keywords=["admissions"],
                themes=[term("theme", "HEAL")],
            )


def test_dataset_update_with_parts_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    distribution = dataset.distributions.get()
    distribution.title = "CSV, monthly"
    added = Field(dataset=dataset, name="trust_code", position=1)
    removed = dataset.fields.get()
    with transaction.atomic():
        with django_assert_num_queries(pin(28)):
            services.dataset_update(
                dataset=dataset,
                user=bob,
                data={"description": "Admissions by trust."},
                expected_revision=dataset.revision,
                save_parts=[distribution, added],
                delete_parts=[removed],
            )


def test_dataset_publish_takes_a_fixed_number_of_queries(make_dataset, bob, django_assert_num_queries):
    draft = make_dataset("Waiting times", status=Dataset.Status.DRAFT)
    Distribution.objects.create(dataset=draft, access_url="https://data.example.gov/w")
    with transaction.atomic():
        with django_assert_num_queries(pin(20)):
            published = services.dataset_publish(dataset=draft, user=bob)
    assert published.status == Dataset.Status.PUBLISHED


def test_dataset_withdraw_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    with transaction.atomic():
        with django_assert_num_queries(pin(11)):
            services.dataset_withdraw(dataset=dataset, user=bob, reason="Replaced by the 2025 register.")


def test_dataset_restore_version_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    first = dataset.history.earliest("history_date").history_id
    services.dataset_update(
        dataset=dataset, user=bob, data={"description": "Changed."}, expected_revision=dataset.revision
    )
    services.field_save(dataset=dataset, user=bob, data={"name": "trust_code"})
    with transaction.atomic():
        with django_assert_num_queries(pin(34)):
            services.dataset_restore_version(dataset=dataset, user=bob, history_id=first)


def test_distribution_save_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    with transaction.atomic():
        with django_assert_num_queries(pin(15)):
            services.distribution_save(
                dataset=dataset, user=bob, data={"title": "JSON", "access_url": "https://data.example.gov/j"}
            )


def test_distribution_delete_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    distribution = dataset.distributions.get()
    with transaction.atomic():
        with django_assert_num_queries(pin(16)):
            services.distribution_delete(distribution=distribution, user=bob)


def test_field_save_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    # 13 since issue 11: a part validates its constraints (one field name per dataset), +1.
    with transaction.atomic():
        with django_assert_num_queries(pin(14)):
            services.field_save(dataset=dataset, user=bob, data={"name": "trust_code", "definition": "ODS code"})


def test_field_delete_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    field = dataset.fields.get()
    with transaction.atomic():
        with django_assert_num_queries(pin(15)):
            services.field_delete(field=field, user=bob)


def test_fields_replace_of_30_rows_by_30_rows_takes_at_most_15_queries(make_dataset, bob, django_assert_num_queries):
    dataset = make_dataset("Wide table")
    services.fields_replace(dataset=dataset, user=bob, rows=[{"name": f"col_{i}"} for i in range(30)])
    dataset.refresh_from_db()
    rows = [{"name": f"col_{i}", "definition": f"Column {i}"} for i in range(30)]
    with transaction.atomic():
        with django_assert_num_queries(pin(13)):
            services.fields_replace(dataset=dataset, user=bob, rows=rows, expected_revision=dataset.revision)
    assert pin(13) <= 15  # the redesign issue's ceiling for a 30-row import


def test_fields_replace_takes_four_queries_per_removed_row(make_dataset, bob, django_assert_num_queries):
    # Pins a known cost, not a goal: each removed row is deleted on its own (two column-lineage
    # cascade SELECTs, the DELETE, the history INSERT), so 10 removed rows cost 40 queries.
    # Deleting them in bulk (as the created and updated rows are written) would make this fixed.
    dataset = make_dataset("Wide table")
    services.fields_replace(dataset=dataset, user=bob, rows=[{"name": f"col_{i}"} for i in range(30)])
    dataset.refresh_from_db()
    # 20 rows kept (updated), 10 removed, 10 new.
    rows = [{"name": f"col_{i}", "definition": f"Column {i}"} for i in range(10, 40)]
    with transaction.atomic():
        with django_assert_num_queries(pin(55)):
            services.fields_replace(dataset=dataset, user=bob, rows=rows, expected_revision=dataset.revision)


def test_collection_method_save_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    with transaction.atomic():
        with django_assert_num_queries(pin(14)):
            services.collection_method_save(
                dataset=dataset, user=bob, data={"method_type": "survey", "description": "A survey."}
            )


def test_validation_check_record_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    with transaction.atomic():
        with django_assert_num_queries(pin(14)):
            services.validation_check_record(
                dataset=dataset, user=bob, data={"name": "Rows present", "outcome": "fail", "records_failed": 3}
            )


def test_quality_measurement_record_takes_a_fixed_number_of_queries(dataset, bob, django_assert_num_queries):
    data = {"dimension": "completeness", "metric": "Rows with a region", "value": 98.5, "unit": "percent"}
    with transaction.atomic():
        with django_assert_num_queries(pin(13)):
            services.quality_measurement_record(dataset=dataset, user=bob, data=data)


def test_membership_set_takes_a_fixed_number_of_queries(ohs, alice, charlie, django_assert_num_queries):
    with transaction.atomic():
        # 7: adding a new member also checks the account may be added (active, not a system
        # actor), the one answer for unknown and unaddable user names.
        with django_assert_num_queries(pin(7)):
            services.membership_set(organisation=ohs, user=alice, member=charlie, role=Membership.Role.EDITOR)


def test_dataset_delete_takes_a_fixed_number_of_queries(catalogue_of, django_assert_num_queries):
    middle = catalogue_of(3)[1]  # one derivation in, one out
    admin = get_user_model().objects.create_superuser("root", "root@example.gov", "correct-horse-battery")
    with transaction.atomic():
        # 49 since issue 13: deleting also deletes the dataset's place in sharing agreements
        # (the agreements' dataset list and their data items).
        # One more: the cascade to the distributions' data previews.
        # Two of them: the cascade to the dataset's working draft and review requests.
        with django_assert_num_queries(pin(52)):
            services.dataset_delete(dataset=middle, user=admin)


def test_derivation_add_takes_a_fixed_number_of_queries(make_dataset, bob, django_assert_num_queries):
    source, derived = make_dataset("Register"), make_dataset("Summary")
    with transaction.atomic():
        # +1 since issue 11: the user's memberships, to check they may see the source.
        with django_assert_num_queries(
            pin(11, postgresql=12)
        ):  # PostgreSQL: + advisory lock(s) (catalogue/locks.py); SQLite serialises writers
            provenance_services.derivation_add(derived=derived, source=source, user=bob)


def test_derivation_remove_takes_a_fixed_number_of_queries(make_dataset, bob, django_assert_num_queries):
    source, derived = make_dataset("Register"), make_dataset("Summary")
    derivation = provenance_services.derivation_add(derived=derived, source=source, user=bob)
    with transaction.atomic():
        with django_assert_num_queries(pin(8)):
            provenance_services.derivation_remove(derivation=derivation, user=bob)


SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def _run_event(inputs, outputs) -> dict:
    return {
        "eventType": "COMPLETE",
        "eventTime": dt.datetime.now(dt.UTC).isoformat(),
        "producer": "https://example.gov/pipelines",
        "schemaURL": SCHEMA,
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "ns", "name": "job"},
        "inputs": [{"namespace": "ns", "name": name} for name in inputs],
        "outputs": [{"namespace": "ns", "name": name} for name in outputs],
    }


def test_openlineage_events_store_takes_one_insert_per_batch(bob, django_assert_num_queries):
    events = [_run_event(["in"], ["out"]) for _ in range(3)]
    with transaction.atomic():
        # savepoint, one INSERT of the three rows, release (was one INSERT per event: 5)
        with django_assert_num_queries(pin(3)):
            openlineage_events_store(events=events, user=bob)


def test_openlineage_event_apply_between_catalogued_datasets_takes_a_fixed_number_of_queries(
    make_dataset, bob, django_assert_num_queries
):
    for name in ("in", "out"):
        DatasetAlias.objects.create(namespace="ns", name=name, dataset=make_dataset(f"Register {name}"))
    with transaction.atomic():
        (event,) = openlineage_events_store(events=[_run_event(["in"], ["out"])], user=bob)
        connection.run_on_commit.clear()  # applied by hand below
    with transaction.atomic():
        # PostgreSQL: + advisory lock(s) (catalogue/locks.py); SQLite serialises writers.
        # +2 for the savepoint that keeps a poison event's writes from the events after it.
        # +1: the sender's memberships, to check they may see the input.
        # -2: no savepoint around the new activity (its service checks before it writes).
        with django_assert_num_queries(pin(31, postgresql=32)):
            openlineage_event_apply(event_id=event.pk)
    assert Derivation.objects.current().filter(derived__title="Register out").exists()


def test_openlineage_event_apply_naming_unknown_datasets_takes_a_fixed_number_of_queries(
    bob, django_assert_num_queries
):
    with transaction.atomic():
        (event,) = openlineage_events_store(events=[_run_event(["raw"], ["clean"])], user=bob)
        connection.run_on_commit.clear()
    with transaction.atomic():
        # PostgreSQL: + advisory lock(s) (catalogue/locks.py); SQLite serialises writers.
        # +2 for the savepoint that keeps a poison event's writes from the events after it.
        # +6: each of the 2 stubs records the sender's organisation (2 each), the sender's
        # memberships, and whether the stub input is one the sender may claim.
        # -2: no savepoint around the new activity (its service checks before it writes).
        with django_assert_num_queries(pin(69, postgresql=70)):
            openlineage_event_apply(event_id=event.pk)
    assert OpenLineageEvent.objects.get(pk=event.pk).processed_at is not None


# --- outbox drains: the count does not grow with the batch ---------------------------------


def _pending(kind, ids) -> None:
    with transaction.atomic():
        outbox.record(kind, ids)
        connection.run_on_commit.clear()  # drained by hand, counted


def test_search_drain_takes_the_same_queries_for_1_and_20_datasets(catalogue_of, django_assert_num_queries):
    from catalogue.search.tasks import search_drain

    datasets = catalogue_of(20)
    for batch in (datasets[-1:], datasets):
        _pending(outbox.Kind.SEARCH, [d.pk for d in batch])
        with transaction.atomic():
            # PostgreSQL: + advisory lock(s) (catalogue/locks.py); SQLite serialises writers.
            # + 1: new words of catalogued entries join the did-you-mean vocabulary.
            with django_assert_num_queries(pin(18, postgresql=20)):
                assert search_drain() == len(batch)


def test_rdf_drain_takes_the_same_queries_for_1_and_20_datasets(catalogue_of, django_assert_num_queries):
    from catalogue.dcat.tasks import rdf_refresh

    datasets = catalogue_of(20)
    for batch in (datasets[-1:], datasets):
        _pending(outbox.Kind.RDF, [d.pk for d in batch])
        with transaction.atomic():
            # PostgreSQL: + advisory lock(s) (catalogue/locks.py); SQLite serialises writers.
            # + 1: the sharing agreements on the register that each record names (dct:isReferencedBy).
            with django_assert_num_queries(pin(18, postgresql=19)):
                assert rdf_refresh() == len(batch)


# The quality drain scores its batch in one pass (catalogue.quality.services.quality_assess_many):
# the record's prefetches, the link checks, the latest assessments, one insert of each kind and
# one update, whatever the batch size. (It was 27 + 23 per dataset.) Whether a source may be
# named is read from the source row loaded with the derivations (issue 16: one query fewer).
# PostgreSQL also takes the batch's advisory locks in one statement (catalogue/locks.py).
QUALITY_DRAIN = {1: pin(17, postgresql=18), 20: pin(17, postgresql=18)}


def test_quality_drain_takes_the_same_queries_for_1_and_20_datasets(catalogue_of, django_assert_num_queries):
    from catalogue.quality.tasks import quality_score_datasets

    datasets = catalogue_of(20)
    for batch in (datasets[-1:], datasets):
        _pending(outbox.Kind.QUALITY, [d.pk for d in batch])
        with transaction.atomic():
            with django_assert_num_queries(QUALITY_DRAIN[len(batch)]):
                assert quality_score_datasets() == len(batch)


# The lineage drain applies the pairs in order (each closure update sees the one before): one
# query for which pairs are still current, then one closure insert per derivation on SQLite.
# PostgreSQL adds the closure's advisory lock and SET LOCAL jit = off, and (issue 16) one read
# per batch of the closure rows it deleted or updated, to vacuum the closure after many; it
# writes unchained additions together, one insert per layer (issue 16, point 3), after one read
# of which ones lead to which: this batch is one chain of 20, so 20 layers.
LINEAGE_DRAIN = {1: pin(6, postgresql=9), 20: pin(25, postgresql=29)}


def test_lineage_drain_takes_two_queries_per_derivation(catalogue_of, django_assert_num_queries):
    from provenance.tasks import lineage_process

    datasets = catalogue_of(21)
    pairs = list(
        Derivation.objects.current().filter(derived__in=datasets).order_by("pk").values_list("source_id", "derived_id")
    )
    assert len(pairs) == 20
    for batch in (pairs[:1], pairs):
        with transaction.atomic():
            outbox.record_lineage(batch)
            connection.run_on_commit.clear()
        with transaction.atomic():
            with django_assert_num_queries(LINEAGE_DRAIN[len(batch)]):
                lineage_process()


# --- read endpoints: the same count for 5 and 25 datasets ----------------------------------


def _signed_in(request, persona):
    return request.getfixturevalue(persona) if persona != "anon" else None


READS = {
    # Pages.
    ("/", "anon"): pin(7),
    ("/", "vera"): pin(11),
    # PostgreSQL: SET LOCAL enable_seqscan, full-text CTEs. + 2: the synonyms of the query's
    # words, and which of them the did-you-mean vocabulary knows.
    ("/?q=register", "anon"): pin(9, postgresql=11),
    ("/?t=HEAL&k=health", "anon"): pin(7),
    ("/organisations/", "anon"): pin(2),
    ("/organisations/ohs/", "anon"): pin(8),
    ("/organisations/ohs/", "vera"): pin(11),
    ("/themes/", "anon"): pin(2),
    # The dashboard's sharing panel: which organisations bob administers (none, so no
    # approvals to ask about) and his organisations' agreements due for review; whether he
    # may describe a new dataset (a viewer is not offered the button).
    # And what waits for whom: requests returned to bob, and drafts of published datasets.
    ("/publish/", "bob"): pin(19),
    # REST.
    ("/api/v1/datasets/", "anon"): pin(4),
    ("/api/v1/datasets/", "vera"): pin(7),
    ("/api/v1/distributions/", "anon"): pin(1),
    ("/api/v1/distributions/", "vera"): pin(4),
    ("/api/v1/fields/", "anon"): pin(1),
    ("/api/v1/checks/", "anon"): pin(1),
    ("/api/v1/measurements/", "anon"): pin(1),
    ("/api/v1/collection-methods/", "anon"): pin(1),
    ("/api/v1/organisations/", "anon"): pin(2),
    ("/api/v1/memberships/", "alice"): pin(5),
    ("/api/v1/derivations/", "anon"): pin(1),
    ("/api/v1/derivations/", "vera"): pin(4),
    # CKAN.
    ("/api/3/action/package_search?rows=100", "anon"): pin(6),
    # + 1 for q: the synonyms of its words (search's query expansion).
    ('/api/3/action/package_search?q=register&facet.field=["organization","tags"]', "anon"): pin(9),
    ("/api/3/action/package_list", "anon"): pin(1),
    ("/api/3/action/organization_list?all_fields=true", "anon"): pin(2),
    ("/api/3/action/organization_show?id=ohs", "anon"): pin(2),
    # DCAT.
    ("/catalog.ttl", "anon"): pin(9),
    ("/catalog.ttl?page_size=100", "anon"): pin(9),
    ("/catalog/dump.ttl", "anon"): pin(7),
    ("/catalog/changes?since=2000-01-01T00:00:00Z", "anon"): pin(2),
}


@pytest.mark.parametrize(("path", "persona"), list(READS))
def test_read_endpoint_takes_the_same_queries_for_5_and_25_datasets(
    request, catalogue_of, client_for, django_assert_num_queries, path, persona
):
    client = client_for(_signed_in(request, persona))
    client.get(path)  # warms what a process loads once (vocabularies, content types): not counted
    for n in SIZES:
        catalogue_of(n)
        with django_assert_num_queries(READS[path, persona]):
            response = client.get(path)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, body[:500]


# Reads of one dataset (or its parts): counted on the last of the chain, whose lineage
# grows with the catalogue (each dataset is derived from the one before).
# The dataset page's lineage panel and the PROV-O export take one query more than before
# issue 13: the sharing agreements the shown derivations were made under (prov:hadPlan),
# for all of them at once (catalogue.sharing.models.plans_for).
ONE_DATASET_READS = {
    # + 1: "Who receives this data and why" (the agreements covering the dataset; their data
    # items for this dataset take one more query only when there are agreements).
    # + 1: each distribution's link check (one prefetch for all of them); + 1: the data
    # previews of its distributions (catalogue.preview.queries.previews_for_page, one query).
    ("/datasets/{slug}/", "anon"): pin(22),
    ("/datasets/{slug}/", "vera"): pin(25),
    ("/datasets/{slug}.ttl", "anon"): pin(3),
    ("/datasets/{slug}/provenance.ttl", "anon"): pin(7),
    ("/datasets/{slug}/provenance.ttl", "vera"): pin(10),
    ("/api/v1/datasets/{slug}/", "anon"): pin(6),
    ("/api/v1/distributions/{distribution}/", "anon"): pin(1),
    ("/api/v1/fields/{field}/", "anon"): pin(1),
    ("/api/v1/checks/{check}/", "anon"): pin(1),
    ("/api/v1/measurements/{measurement}/", "anon"): pin(1),
    ("/api/v1/organisations/ohs/", "anon"): pin(1),
    ("/api/v1/memberships/{membership}/", "alice"): pin(4),
    ("/api/v1/derivations/{derivation}/", "anon"): pin(1),
    ("/api/v1/datasets/{slug}/upstream", "anon"): pin(5),
    ("/api/v1/datasets/{slug}/upstream", "vera"): pin(8),
    ("/api/v1/datasets/{first}/downstream", "anon"): pin(5),
    ("/api/v1/lineage/path?from={slug}&to={first}", "anon"): pin(8),
    ("/api/v1/fields/{field}/upstream", "anon"): pin(4),
    ("/api/3/action/package_show?id={slug}", "anon"): pin(5),
}


@pytest.mark.parametrize(("path", "persona"), list(ONE_DATASET_READS))
def test_dataset_read_takes_the_same_queries_for_5_and_25_datasets_upstream(
    request, catalogue_of, client_for, django_assert_num_queries, path, persona
):
    client = client_for(_signed_in(request, persona))
    client.get("/")  # warms what a process loads once (vocabularies, content types): not counted
    for n in SIZES:
        datasets = catalogue_of(n)
        last = datasets[-1]
        url = path.format(
            slug=last.slug,
            first=datasets[0].slug,
            distribution=last.distributions.get().pk,
            field=last.fields.get(name="region").pk,
            check=last.validation_checks.get().pk,
            measurement=last.quality_measurements.get().pk,
            membership=Membership.objects.filter(user__username="alice").first().pk if "{membership}" in path else 0,
            derivation=Derivation.objects.get(derived=last).pk,
        )
        caches["pages"].clear()
        with django_assert_num_queries(ONE_DATASET_READS[path, persona]):
            response = client.get(url)
        assert response.status_code == 200, response.content[:500]


def test_catalog_cursor_page_takes_the_same_queries_for_5_and_25_datasets(
    catalogue_of, client, django_assert_num_queries
):
    for n in SIZES:
        catalogue_of(n)
        first = client.get("/catalog.ttl?page_size=2")
        b"".join(first.streaming_content)
        after = first["Link"].split(">")[0].lstrip("<").split("testserver", 1)[-1]
        with django_assert_num_queries(pin(9)):
            response = client.get(after)
            b"".join(response.streaming_content)
        assert response.status_code == 200 and "cursor=" in after
