"""Routers: ``pages`` (HTML) and ``api`` (JSON under /api/v1)."""
