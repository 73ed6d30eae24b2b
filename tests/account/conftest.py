"""Fixtures for the mission and targets tests: one store built from the real mirror."""

from __future__ import annotations
