"""A preview of the data behind a distribution: its first rows, column types and simple
statistics, fetched by a worker under the address policy and compared with the data
dictionary on the dataset page (issue 15, point 3)."""
