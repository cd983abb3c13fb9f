"""Accounts, passkeys, OIDC (Pro Santé Connect), API clients, sessions, permissions
(issue #3). So far: roles, permissions and the deny-by-default authorisation rule."""
