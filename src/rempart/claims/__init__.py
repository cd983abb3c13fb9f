"""Invoices (DRE) from professionals: intake, adjudication, duplicates, cancellation."""
