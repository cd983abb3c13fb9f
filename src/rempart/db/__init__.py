"""Declarative base, shared column types, engine and unit of work, migrations."""
