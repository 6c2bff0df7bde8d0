"""Names vulture reports as unused that are read in ways it cannot follow.

Only names read by name (getattr over a list of names) or by position (tuple slicing), and
entry points documented for deployers, belong here; a name nothing reads is dead code and
goes, whitelisting it is not the fix.
"""

_ = object()

# nno_dash.demo: a category's weights are read with getattr over a list of names
_.weekend  # noqa: B018
# nno_dash.demo: an event's first fields are read by position into a frame
_.starts_at  # noqa: B018
# nno_dash.store.lake: the README's way to query the Parquet export from Python
_.open_views  # noqa: B018
# nno_dash.publish.privacy.SafeTable: the record of which columns were protected as counts,
# which the property tests walk to check that none leaks
_.count_columns  # noqa: B018
