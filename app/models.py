"""Every table, imported in one place so that Alembic and the tests see the whole metadata."""

from app.accounts.models import ApiKey, AuthSession, User, UserJurisdiction
from app.categories.models import Category, CategoryEvent
from app.crashes.models import AccidentProneCandidate, Crash
from app.db import Base
from app.hazards.models import Hazard, HazardEvent, LedgerCounter
from app.imports.models import ImportJob
from app.jurisdictions.models import Jurisdiction
from app.notifications.mail_models import NotificationDelivery, NotificationDigest, NotificationPreference
from app.notifications.models import Notification
from app.notifications.webhooks.models import WebhookDelivery, WebhookSubscription
from app.photos.models import HazardPhoto
from app.roads.models import Road, RoadCalibrationPoint, RoadVersion
from app.workjobs.models import WorkJob

__all__ = [
    "AccidentProneCandidate",
    "ApiKey",
    "AuthSession",
    "Base",
    "Category",
    "CategoryEvent",
    "Crash",
    "Hazard",
    "HazardEvent",
    "HazardPhoto",
    "ImportJob",
    "Jurisdiction",
    "LedgerCounter",
    "Notification",
    "NotificationDelivery",
    "NotificationDigest",
    "NotificationPreference",
    "Road",
    "RoadCalibrationPoint",
    "RoadVersion",
    "User",
    "UserJurisdiction",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkJob",
]
