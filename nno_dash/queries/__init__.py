"""Queries: all the SQL that answers a page's question, one module per subject.

Each function is `(con, ...) -> DataFrame` (or a value), with plain hashable arguments after
the connection so the UI can cache it by the data version. Every aggregation runs in DuckDB
and only results cross into pandas; no function returns an incident's location or id.
SQL is fixed text with $named parameters (`run.run`); optional filters live inside it.
Callers import the subject module they use: `from nno_dash.queries import incidents`.
"""
