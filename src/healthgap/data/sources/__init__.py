"""Parsers for the catalogue's sources: one module per publisher or family of files."""
