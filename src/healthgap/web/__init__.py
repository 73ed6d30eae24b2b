"""The web service: FastAPI + Jinja2 pages in the GOV.UK Design System style, a JSON API
under ``/api/v1``, sign-in with roles and an audit trail. Start it with ``healthgap serve``.
"""
