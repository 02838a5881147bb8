"""Search on `/` (analyst): one SearchEntry row per dataset, written on every change.

- index.py   writes entries and the facet totals (search_index_datasets, search_reindex_all,
             search_totals_rebuild); `manage.py search_reindex` after bulk loads.
- tasks.py   `catalogue.search_drain` applies the search work every write records in the
             outbox; the `catalogue.search_index_sweep` beat task catches entries that
             disagree with their dataset (bulk loads, the lineage closure moving the
             "upstream failed" marks) and `catalogue.search_totals_rebuild` heals drift.
- query.py   answers a search through the access rule (catalogue.access): PostgreSQL
             full-text search with facet counts, sampled when a query matches very many
             datasets; icontains and Python counting on SQLite.
"""
