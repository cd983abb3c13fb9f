"""Shared vocabulary with no third-party imports: ids, clock, money, errors, identifiers."""
