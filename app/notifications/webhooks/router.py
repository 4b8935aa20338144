"""/api/v1/webhooks: the webhook subscriptions; /api/v1/webhook-deliveries: their delivery log.
Administrators only; a secret is written, never read back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.deps import Session
from app.notifications.webhooks import formats, service
from app.notifications.webhooks.repository import Subscription
from app.notifications.webhooks.schemas import DeliveryOut, SubscriptionIn, SubscriptionOut, SubscriptionPatch
from app.openapi import problems, rules
from app.paths import API_PREFIX

# Administrators only: app.main includes it with Permission.webhooks_manage.
router = APIRouter(tags=["webhooks"])

WebhookId = Annotated[int, Path(alias="id", ge=1, le=2**62)]

_RULES = rules(
    name="Not taken by another webhook (409).",
    url="http or https, with a host; a port from 1 to 65535.",
    secret="Required for format json; none for format wecom.",
    counties="Counties of the city.",
    body="At least one member to change.",
    format="May not be null.",
    events="May not be null.",
    enabled="May not be null.",
)


def _out(s: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=s.id,
        name=s.name,
        url=formats.mask_url(s.url),
        has_secret=s.has_secret,
        format=s.format,
        events=s.events,
        counties=s.counties,
        enabled=s.enabled,
        created_at=s.created_at,
        updated_at=s.updated_at,
    )


@router.get("/webhooks", summary="The webhooks")
async def listing(session: Session) -> list[SubscriptionOut]:
    """Every subscription; secrets are not shown (``has_secret``), nor a robot's key in its URL.

    Permission: administrator only.
    """
    return [_out(s) for s in await service.listing(session)]


@router.post(
    "/webhooks", status_code=201, summary="Add a webhook", responses=problems(409, 422), openapi_extra=_RULES
)
async def create(session: Session, body: SubscriptionIn, response: Response) -> SubscriptionOut:
    """A receiver of events, in the JSON format (signed, ``X-Hazardmap-Signature``), as a 企业微信 or a
    钉钉 group robot's markdown message.

    Permission: administrator only.
    """
    created = await service.create(session, body)
    response.headers["Location"] = f"{API_PREFIX}/webhooks/{created.id}"
    return _out(created)


@router.get("/webhook-deliveries", summary="The delivery log, newest first", responses=problems(422))
async def deliveries(
    session: Session,
    subscription: Annotated[int | None, Query(ge=1, le=2**62, description="one webhook's only")] = None,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="page on: the smallest id of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    """Each delivery: its event, state (pending, retrying, delivered, failed), attempts, the receiver's
    last HTTP status and the last error.

    Permission: administrator only.
    """
    rows = await service.log(session, subscription_id=subscription, before=before, limit=limit)
    return [DeliveryOut(**r) for r in rows]


@router.get("/webhooks/{id}", summary="A webhook", responses=problems(404, 422))
async def read(session: Session, webhook_id: WebhookId) -> SubscriptionOut:
    """Permission: administrator only."""
    return _out(await service.get(session, webhook_id))


@router.patch(
    "/webhooks/{id}", summary="Change a webhook", responses=problems(404, 409, 422), openapi_extra=_RULES
)
async def update(session: Session, webhook_id: WebhookId, body: SubscriptionPatch) -> SubscriptionOut:
    """The members given; ``enabled: false`` stops its deliveries (those queued are not sent).

    Permission: administrator only.
    """
    return _out(await service.update(session, webhook_id, body))


@router.delete("/webhooks/{id}", status_code=204, summary="Remove a webhook", responses=problems(404, 422))
async def delete(session: Session, webhook_id: WebhookId) -> Response:
    """The webhook and its delivery log.

    Permission: administrator only.
    """
    await service.delete(session, webhook_id)
    return Response(status_code=204)


@router.post("/webhooks/{id}/test", summary="Send a test message now", responses=problems(404, 422))
async def test_send(session: Session, webhook_id: WebhookId) -> DeliveryOut:
    """One attempt, made during this request (at most ``HAZARDMAP_WEBHOOKS_TIMEOUT_S``), recorded in
    the delivery log; the answer is its entry (``state`` delivered or failed, ``last_error``).

    Permission: administrator only.
    """
    return DeliveryOut(**await service.test_send(session, webhook_id))
