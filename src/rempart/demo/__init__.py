"""Demo conveniences (development only): personas for the portal."""
