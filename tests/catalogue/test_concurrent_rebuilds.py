"""Two workers rebuilding the same new dataset at once take turns (PostgreSQL, real commits).

Worker A rebuilds inside a transaction it holds open; worker B starts the same rebuild from
another connection meanwhile. Neither may fail, and what they leave must count the dataset
once: its stored RDF record exists once, the search facet totals count it once, and its
score history holds the score once.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from catalogue.dcat.records import rebuild_records
from catalogue.models import Dataset, QualityAssessment, RdfRecord, SearchEntry, SearchFacetTotal
from catalogue.quality.services import quality_assess
from catalogue.search.index import TOTAL_KEY, search_index_datasets

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")


def rebuild_twice_at_once(rebuild, dataset_id: int) -> list[BaseException]:
    """A runs ``rebuild`` and holds its transaction open 0.5 s; B runs it meanwhile."""
    errors: list[BaseException] = []
    a_has_rebuilt = threading.Event()

    def worker_a():
        try:
            with transaction.atomic():
                rebuild([dataset_id])
                a_has_rebuilt.set()
                time.sleep(0.5)
        except BaseException as error:  # reported to the test, not lost in the thread
            errors.append(error)
            a_has_rebuilt.set()
        finally:
            connections.close_all()

    def worker_b():
        try:
            a_has_rebuilt.wait(5)
            rebuild([dataset_id])
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return errors


def test_two_workers_storing_a_new_datasets_rdf_take_turns(transactional_db, make_dataset):
    dataset = make_dataset("Ambulance response times")
    RdfRecord.objects.filter(dataset_pk=dataset.pk).delete()  # as if no worker had run yet
    assert rebuild_twice_at_once(rebuild_records, dataset.pk) == []
    record = RdfRecord.objects.get(dataset_pk=dataset.pk)
    assert record.in_catalogue and "Ambulance response times" in record.turtle


def test_two_workers_indexing_a_new_dataset_count_it_once(transactional_db, make_dataset):
    dataset = make_dataset("Ambulance response times")
    SearchEntry.objects.filter(dataset=dataset).delete()
    SearchFacetTotal.objects.all().delete()  # the totals of an empty index
    assert rebuild_twice_at_once(search_index_datasets, dataset.pk) == []
    assert SearchEntry.objects.filter(dataset=dataset).count() == 1
    assert Dataset.objects.count() == 1
    totals = dict(SearchFacetTotal.objects.filter(key=TOTAL_KEY).values_list("scope", "count"))
    assert totals and set(totals.values()) == {1}, totals


def test_two_workers_scoring_a_dataset_keep_its_score_once(transactional_db, make_dataset):
    dataset = make_dataset("Ambulance response times")
    QualityAssessment.objects.filter(dataset=dataset).delete()
    assert rebuild_twice_at_once(lambda ids: quality_assess(dataset_id=ids[0]), dataset.pk) == []
    assert QualityAssessment.objects.filter(dataset=dataset).count() == 1
