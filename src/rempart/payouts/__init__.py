"""Payout integrity: the bank account a structure is paid on, and how it changes (a
phishing-resistant step-up or a second platform administrator, an out-of-band notice,
and a cooling-off period during which the structure's payments are held)."""
