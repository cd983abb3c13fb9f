"""Server-rendered pages (Jinja2 + HTMX) for each audience."""
