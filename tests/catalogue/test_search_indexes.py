"""The search table's PostgreSQL-only indexes exist with the definitions the queries rely on.

Two of them cannot be declared in the model (see SearchEntry.Meta), so nothing else would
notice if a migration lost one.
"""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN and NULLS LAST indexes exist on PostgreSQL only")
def test_search_entry_has_its_gin_and_quality_order_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'catalogue_searchentry'")
        definitions = dict(cursor.fetchall())

    assert "USING gin (document)" in definitions["searchentry_document_gin"]
    assert "USING gin (string_to_array(btrim(facet_keys), ' '::text))" in definitions["searchentry_facets_gin"]
    assert "(quality_score DESC NULLS LAST, dataset_id)" in definitions["searchentry_quality_idx"]
