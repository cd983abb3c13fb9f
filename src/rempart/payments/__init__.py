"""Ledger, payment runs (SEPA), remittance advice and insurer settlement."""
