"""Data: what the database holds and where it came from; imports for administrators."""

import streamlit as st

from nno_dash.queries import datasets
from nno_dash.ui import admin
from nno_dash.ui.page import setup

page = setup("Data", ":material/database:", "What is loaded, from which files, and when.")

admin.show_holdings(*page.load_all((datasets.table_counts,), (datasets.areas_by_kind,)))

st.subheader("Import log")
admin.show_import_log(page.settings.db_path)

if page.info["demo_params"]:
    st.subheader("Demo generator settings (the planted truth)")
    st.caption(
        "The demo city has a known, planted effect so the analytics can be checked against it."
    )
    st.json(page.info["demo_params"], expanded=False)

admin.show(page.settings.db_path)
