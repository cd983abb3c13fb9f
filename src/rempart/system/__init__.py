"""Platform-level endpoints with no personal data: health and version."""
