"""The web application: REST API under /api/v1 and the pages, over the core and store."""
