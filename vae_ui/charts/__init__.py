"""The charts: Altair builders, arrays in and a chart out (or an image array). No Streamlit here."""
