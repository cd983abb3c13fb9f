"""Quotas, detectors and containment. Until the shield issue lands, only the port that
every data-serving use case passes through, with a conservative fixed-budget adapter."""
