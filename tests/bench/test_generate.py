"""The synthetic catalogue generator (bench/generate.py), checked through what it writes."""

import hashlib
from collections import Counter

import pytest
from django.db.models import Count

from bench.closure_pairs import CycleError, closure_stats, closure_stats_from_database
from bench.generate import CatalogueNotEmpty, generate
from catalogue.models import Dataset, Distribution, Field, Organisation
from provenance.models import Activity, Derivation

N = 300


def catalogue_digest() -> str:
    """A fingerprint of what a user would see: identifiers, titles, parts and lineage."""
    digest = hashlib.sha256()
    for row in Dataset.objects.order_by("uuid").values_list("uuid", "uri", "slug", "title", "status", "access_rights"):
        digest.update(repr(row).encode())
    for row in Distribution.objects.order_by("uuid").values_list("uuid", "dataset__uuid", "format__code"):
        digest.update(repr(row).encode())
    for row in Field.objects.order_by("dataset__uuid", "position").values_list("dataset__uuid", "name"):
        digest.update(repr(row).encode())
    edges = Derivation.objects.order_by("derived__uuid", "source__uuid").values_list("derived__uuid", "source__uuid")
    for row in edges:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def graph() -> tuple[list[int], list[tuple[int, int]]]:
    nodes = list(Dataset.objects.values_list("id", flat=True))
    edges = list(Derivation.objects.current().values_list("source_id", "derived_id"))
    return nodes, edges


@pytest.mark.django_db
def test_same_seed_gives_the_same_catalogue_and_another_seed_a_different_one():
    generate(N, seed=7)
    first = catalogue_digest()
    generate(N, seed=7, reset=True)
    assert catalogue_digest() == first
    generate(N, seed=8, reset=True)
    assert catalogue_digest() != first


@pytest.mark.django_db
def test_refuses_to_write_into_a_catalogue_that_already_has_datasets():
    generate(20, seed=1)
    with pytest.raises(CatalogueNotEmpty, match="already holds 20 datasets"):
        generate(20, seed=1)
    assert Dataset.objects.count() == 20


@pytest.mark.django_db
def test_every_dataset_has_one_to_five_distributions_and_five_to_thirty_fields():
    summary = generate(N, seed=3)
    assert Dataset.objects.count() == N == summary.datasets
    distributions = Counter(dict(Dataset.objects.annotate(n=Count("distributions")).values_list("id", "n")))
    fields = Counter(dict(Dataset.objects.annotate(n=Count("fields")).values_list("id", "n")))
    assert len(distributions) == N
    assert set(distributions.values()) <= set(range(1, 6))
    assert set(fields.values()) <= set(range(5, 31))
    # The full range is used, not one fixed count.
    assert min(distributions.values()) == 1 and max(distributions.values()) == 5
    assert max(fields.values()) - min(fields.values()) >= 15
    assert Organisation.objects.count() == 40


@pytest.mark.django_db
def test_records_are_valid_and_mostly_public_and_published():
    generate(N, seed=4)
    for dataset in Dataset.objects.order_by("?")[:20]:
        dataset.full_clean()
        assert dataset.uri.endswith(str(dataset.uuid))
        assert dataset.collection_method.method_type
        assert dataset.keywords.exists() and dataset.themes.exists()
    public = Dataset.objects.filter(status="published", access_rights="PUBLIC").count()
    assert public / N > 0.7
    assert Dataset.objects.exclude(status="published").exists()
    assert Dataset.objects.exclude(access_rights="PUBLIC").exists()


@pytest.mark.django_db
def test_derivations_average_about_two_per_dataset_and_form_no_cycle():
    generate(N, seed=5)
    nodes, edges = graph()
    assert 1.8 <= len(edges) / N <= 2.2
    assert all(s != d for s, d in edges)
    assert len(set(edges)) == len(edges)
    stats = closure_stats(nodes, edges)  # raises CycleError on a cycle
    assert stats.pairs > len(edges)
    # Every derivation names the activity that made the derived dataset.
    assert not Derivation.objects.filter(activity__isnull=True).exists()
    assert Activity.objects.count() == len({d for _, d in edges})


@pytest.mark.django_db
def test_hubs_feed_many_datasets_and_most_datasets_sit_in_pipelines():
    generate(N, seed=6)
    _nodes, edges = graph()
    fan_out = Counter(s for s, _ in edges)
    feeding = sorted(fan_out.values())
    typical = feeding[len(feeding) // 2]
    # A few hub datasets feed far more datasets than a typical source does...
    hubs = [pk for pk, n in fan_out.items() if n >= 20 * typical]
    assert 1 <= len(hubs) <= N // 20
    # ...and they are censuses, registers and surveys.
    methods = set(Dataset.objects.filter(id__in=hubs).values_list("collection_method__method_type", flat=True))
    assert methods <= {"census", "register", "survey"}
    # Most other datasets are derived: steps of pipelines, so lineage runs several hops deep.
    derived = {d for _, d in edges}
    assert len(derived - set(hubs)) > N / 2
    assert closure_stats_from_database().max_depth >= 4


def test_closure_counts_pairs_and_depth_and_rejects_cycles():
    # a -> b -> c, a -> c, d alone: pairs (a,b) (a,c) (b,c)
    stats = closure_stats("abcd", [("a", "b"), ("b", "c"), ("a", "c")])
    assert (stats.pairs, stats.max_depth, stats.max_descendants, stats.max_ancestors) == (3, 2, 2, 2)
    with pytest.raises(CycleError):
        closure_stats("ab", [("a", "b"), ("b", "a")])
