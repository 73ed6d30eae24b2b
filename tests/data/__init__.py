"""Tests of healthgap.data."""
