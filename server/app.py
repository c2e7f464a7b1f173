"""create_app(settings) -> Litestar: the only place where the pieces are wired together."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.exceptions import NotFoundException
from litestar.plugins.htmx import HTMXPlugin

from server.logs import litestar_logging_config
from server.pipeline import running_pipeline
from server.retention import running_retention
from server.settings import Settings
from server.store.db import open_database
from server.web.builder import BuilderController
from server.web.credentials import CredentialController
from server.web.deliveries import DeliveryController
from server.web.endpoint_settings import EndpointSettingsController
from server.web.endpoints import EndpointController
from server.web.events import EventController
from server.web.health import health, metrics_text, readiness
from server.web.listener import receive_hook
from server.web.mappings import MappingController
from server.web.pages import not_found, static_files, template_config
from server.web.replays import ReplayController, stop_replays
from server.web.samples import SampleController
from server.web.security import SecurityHeaders, csrf_config
from server.worker import running_worker


def create_app(settings: Settings) -> Litestar:
    """The Switchboard web application for ``settings``."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with (
            open_database(settings.effective_database_url),
            running_retention(settings),
            running_pipeline(settings) as pipeline,
            running_worker(pipeline),
        ):
            app.state.pipeline = pipeline
            # Everything made at start-up lives as long as the process: keep it out of the
            # garbage collector's generations so each collection only scans request garbage.
            gc.freeze()
            yield
            await stop_replays(app.state)

    logging.getLogger("server").setLevel(settings.log_level)
    return Litestar(
        route_handlers=[
            receive_hook,
            health,
            readiness,
            metrics_text,
            EndpointController,
            BuilderController,
            EndpointSettingsController,
            DeliveryController,
            EventController,
            MappingController,
            CredentialController,
            ReplayController,
            SampleController,
            static_files(),
        ],
        lifespan=[lifespan],
        plugins=[HTMXPlugin()],
        template_config=template_config(),
        csrf_config=csrf_config(settings),
        middleware=[SecurityHeaders()],
        exception_handlers={NotFoundException: not_found},
        openapi_config=None,
        logging_config=litestar_logging_config(),
    )
