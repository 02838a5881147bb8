"""Search on `/` (analyst): one SearchEntry row per dataset, written on every change.

- index.py   writes entries and the facet totals (search_index_datasets, search_reindex_all,
             search_totals_rebuild); `manage.py search_reindex` after bulk loads.
- tasks.py   `catalogue.search_drain` applies the search work every write records in the
             outbox; the `catalogue.search_index_sweep` beat task catches entries that
             disagree with their dataset (bulk loads, the lineage closure moving the
             "upstream failed" marks) and `catalogue.search_totals_rebuild` heals drift.
- query.py   answers a search through the access rule (catalogue.access): PostgreSQL
             full-text search with facet counts, sampled when a query matches very many
             datasets; stem-root matching and Python counting on SQLite; exact words first,
             "did you mean", broader searches for an empty result.
- words.py   how text is split, normalised and stemmed (Snowball English, as PostgreSQL).
- synonyms.py the query's variants in its synonyms' words, read at search time;
             models.py (Synonym, SearchWord), services.py (add, remove), views.py and
             forms.py (/publish/synonyms/), data/synonyms.csv (shipped, put in after every migrate: apps.py).
- vocabulary.py the "did you mean" vocabulary: kept by indexing, recounted hourly; near
             words by pg_trgm (difflib on SQLite).
"""
