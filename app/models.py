"""Every table, imported in one place so that Alembic and the tests see the whole metadata."""

from app.categories.models import Category
from app.db import Base
from app.hazards.models import Hazard, HazardEvent, LedgerCounter
from app.jurisdictions.models import Jurisdiction
from app.roads.models import Road

__all__ = ["Base", "Category", "Hazard", "HazardEvent", "Jurisdiction", "LedgerCounter", "Road"]
