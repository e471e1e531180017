"""Webhook subscriptions and their deliveries, for admin keys with the `webhooks:manage` scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import webhooks
from autocrm.services.webhooks import DeliveryPublic, WebhookCreate, WebhookCreated, WebhookPublic, WebhookUpdate

router = APIRouter(prefix="/api/v1", tags=["webhooks"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

WebhookId = Annotated[int, resource_id("The webhook subscription's id (see the list).")]
DeliveryId = Annotated[int, resource_id("The delivery's id (see the subscription's deliveries).")]


@router.post("/webhooks", status_code=status.HTTP_201_CREATED, summary="Subscribe a URL to events")
async def create_webhook(key: Credential, data: WebhookCreate, response: Response) -> WebhookCreated:
    """`events` from: ticket.created, ticket.updated, message.created, message.internal_created,
    rating.submitted, attachment.added. The reply carries the `whsec_...` signing secret: this is the only time
    it is shown. Deliveries are signed by the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
    `webhook-signature`); loopback and private addresses are refused."""
    created = await write(key, lambda session, actor: webhooks.create_webhook(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/webhooks/{created.id}"
    return created


@router.get("/webhooks", summary="List webhook subscriptions")
async def list_webhooks(key: Credential) -> list[WebhookPublic]:
    return await read(key, lambda session, actor: webhooks.list_webhooks(session, actor=actor))


@router.get("/webhooks/{webhook_id}", summary="Get a webhook subscription")
async def get_webhook(key: Credential, webhook_id: WebhookId) -> WebhookPublic:
    return await read(key, lambda session, actor: webhooks.get_webhook(session, actor=actor, webhook_id=webhook_id))


@router.patch("/webhooks/{webhook_id}", summary="Change a webhook subscription")
async def update_webhook(key: Credential, webhook_id: WebhookId, data: WebhookUpdate) -> WebhookPublic:
    """Only the fields sent change. `"active": true` turns on a subscription the desk turned off after a 410."""
    return await write(
        key, lambda session, actor: webhooks.update_webhook(session, actor=actor, webhook_id=webhook_id, data=data)
    )


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a subscription")
async def delete_webhook(key: Credential, webhook_id: WebhookId) -> Response:
    """Deletes the subscription and its deliveries; deliveries not sent yet are never sent."""
    await write(key, lambda session, actor: webhooks.delete_webhook(session, actor=actor, webhook_id=webhook_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/webhooks/{webhook_id}/deliveries", summary="A subscription's latest deliveries")
async def list_deliveries(key: Credential, webhook_id: WebhookId) -> list[DeliveryPublic]:
    """Newest first (the latest 100): status, attempts, last response code, timing and the next retry."""
    return await read(key, lambda session, actor: webhooks.list_deliveries(session, actor=actor, webhook_id=webhook_id))


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", summary="Send a delivery again now")
async def retry_delivery(key: Credential, webhook_id: WebhookId, delivery_id: DeliveryId) -> DeliveryPublic:
    return await write(
        key,
        lambda session, actor: webhooks.retry_delivery(
            session, actor=actor, webhook_id=webhook_id, delivery_id=delivery_id
        ),
    )
