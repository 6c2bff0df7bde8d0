"""Data: what the database holds and where it came from."""

import streamlit as st

from nno_dash import queries
from nno_dash.ui.page import setup

page = setup("Data", ":material/database:", "What is loaded, from which files, and when.")

left, right = st.columns(2)
with left:
    st.subheader("Tables")
    st.dataframe(page.load(queries.table_counts), hide_index=True, width="stretch")
with right:
    st.subheader("Areas by kind")
    st.dataframe(page.load(queries.areas_by_kind), hide_index=True, width="stretch")

st.subheader("Import log")
st.dataframe(page.load(queries.import_log), hide_index=True, width="stretch")

if page.info["demo_params"]:
    st.subheader("Demo generator settings (the planted truth)")
    st.caption(
        "The demo city has a known, planted effect so the analytics can be checked against it."
    )
    st.json(page.info["demo_params"], expanded=False)

st.subheader("Loading your own data")
st.markdown(
    """
Import with the command line (writes are never made from the viewing pages):

```
python -m nno_dash import areas boundaries.geojson --mapping chicago_community_areas
python -m nno_dash import incidents crimes.csv --mapping chicago_crimes
```

See the README for the mapping files and validation rules.
"""
)
