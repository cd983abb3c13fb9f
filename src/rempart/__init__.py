"""Rempart: a tiers-payant platform built so that a phished password yields nothing."""

__version__ = "0.1.0"
