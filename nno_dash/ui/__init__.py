"""The UI layer: the only package besides pages/ and dashboard.py that imports Streamlit."""
