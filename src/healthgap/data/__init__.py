"""healthgap.data — the data layer: store, bundled open data, import, disclosure control."""
