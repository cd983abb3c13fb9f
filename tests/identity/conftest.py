"""Fixtures of the identity tests: the local OpenID provider for Pro Santé Connect."""

from __future__ import annotations

from .oidc_fixture import oidc_provider

__all__ = ["oidc_provider"]
