"""Insurers, contracts and guarantees, members and beneficiaries, professionals and
structures; the insurers' rights-file import; the synthetic France."""
