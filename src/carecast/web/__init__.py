"""carecast.web: the dashboard councils and regions use every day (FastAPI + Jinja2 + HTMX).

``create_app(settings)`` builds the app; ``carecast serve`` runs it; ``carecast user add``
creates accounts. Each capability is reached only through its public Python API.
"""

from carecast.web.app import create_app
from carecast.web.settings import Settings

__all__ = ["Settings", "create_app"]
