"""The application as ``healthplan serve`` runs it: one per server worker process."""

from __future__ import annotations


def app_from_environment():
    """The app over the database of HEALTHPLAN_DATABASE_URL (``serve`` sets it), with
    what the first requests would otherwise wait for loaded now: the indicator catalogue,
    the evaluation and report code, the region hierarchy."""
    from healthplan import catalog
    from healthplan.store import evaluation  # noqa: F401  (imported now, not on a request)
    from healthplan.store.database import open_database
    from healthplan.web.app import create_app
    from healthplan.web.auth import region_paths

    db = open_database()
    app = create_app(db)
    catalog.load_catalog()
    with app.state.readers() as session:
        region_paths(session)
    return app
