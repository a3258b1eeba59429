"""The web app with its lifespan run on a real database and Redis, and what it recorded and queued."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from arq.connections import ArqRedis
from sqlalchemy import select

from bot.db.engine import make_engine, session_factory
from bot.db.models import Delivery as DeliveryRow
from bot.webhooks import PATH
from tests.webhooks.deliveries import Delivery


@dataclass
class App:
    client: httpx.AsyncClient
    database_url: str
    pool: ArqRedis
    queue_name: str

    async def post(self, delivery: Delivery, headers: dict[str, str | bytes] | None = None) -> httpx.Response:
        merged: dict[str, str | bytes] = {**delivery.headers(), **(headers or {})}
        sent = {name.encode(): value if isinstance(value, bytes) else value.encode() for name, value in merged.items()}
        return await self.client.post(PATH, content=delivery.body, headers=sent)

    async def send(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """Exactly these headers and this body."""
        return await self.client.post(PATH, content=body, headers=headers)

    async def rows(self, delivery_id: str | None = None) -> list[DeliveryRow]:
        query = select(DeliveryRow)
        if delivery_id is not None:
            query = query.where(DeliveryRow.delivery_id == delivery_id)
        engine = make_engine(self.database_url)
        try:
            async with session_factory(engine)() as session:
                return list(await session.scalars(query))
        finally:
            await engine.dispose()

    async def queued(self) -> list[bytes]:
        return list(await self.pool.zrange(self.queue_name, 0, -1))
