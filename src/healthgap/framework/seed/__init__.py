"""Seed data for the framework workspace (YAML files, each fact with its source)."""
