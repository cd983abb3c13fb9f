"""Payments: the ledger, payment runs (SEPA), remittance advice and insurer settlement."""
