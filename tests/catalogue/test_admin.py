"""The Django admin is usable for every model: lists with search and filters, forms with inlines."""

import pytest
from django.contrib import admin
from django.urls import reverse

from catalogue.demo.loader import demo_load


@pytest.fixture
def root_client(client_for, django_user_model, db):
    demo_load()
    return client_for(django_user_model.objects.get(username="admin"))


def test_every_model_has_an_admin_list_and_add_page(root_client, rf, django_user_model):
    request = rf.get("/admin/")
    request.user = django_user_model.objects.get(username="admin")
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert root_client.get(changelist).status_code == 200, changelist
        add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        # Records that only arrive from outside (raw OpenLineage events) are read-only on purpose.
        expected = 200 if model_admin.has_add_permission(request) else 403
        assert root_client.get(add).status_code == expected, add


def test_dataset_admin_searches_filters_and_shows_distribution_and_field_inlines(root_client):
    from catalogue.models import Dataset

    response = root_client.get("/admin/catalogue/dataset/?q=labour")
    titles = {d.title for d in response.context["cl"].result_list}
    assert "Regional labour market estimates" in titles
    assert "Road traffic counts at count points" not in titles

    response = root_client.get("/admin/catalogue/dataset/?status__exact=draft")
    assert {d.status for d in response.context["cl"].result_list} == {"draft"}

    dataset = Dataset.objects.get(slug="road-traffic-counts")
    page = root_client.get(f"/admin/catalogue/dataset/{dataset.pk}/change/")
    inline_models = {inline.formset.model.__name__ for inline in page.context["inline_admin_formsets"]}
    assert {"Distribution", "Field", "CollectionMethod", "ValidationCheck", "QualityMeasurement"} <= inline_models
    assert b"count_point_id" in page.content  # the data dictionary is on the page


# A changelist costs the session, the user, two counts, the page and its filters' choices,
# however many rows it shows; these lists have more filters than most.
# django-axes's own lists (login attempts, where an administrator lifts a lockout, and the
# logs) have a date hierarchy: its min/max and distinct-day queries make one more than ours.
AXES_LIST_QUERIES = {f"axes.{name}": 8 for name in ("AccessAttempt", "AccessLog", "AccessFailureLog")}
ADMIN_LIST_QUERIES = {"catalogue.Dataset": 12, "catalogue.Distribution": 9, **AXES_LIST_QUERIES}


def test_admin_lists_take_the_same_few_queries_whatever_their_length(root_client, django_assert_max_num_queries):
    from catalogue.models import Dataset
    from provenance.models import DatasetAlias

    # The demo has dozens of datasets, distributions, fields, activities and derivations; add aliases.
    DatasetAlias.objects.bulk_create(
        DatasetAlias(namespace="warehouse", name=f"table_{d.pk}", dataset=d) for d in Dataset.objects.all()[:30]
    )
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        with django_assert_max_num_queries(ADMIN_LIST_QUERIES.get(meta.label, 7), info=meta.label):
            assert root_client.get(changelist).status_code == 200
