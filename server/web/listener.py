"""``/hooks/<token>``: where the platform sends contacts."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, route
from litestar.datastructures import State
from litestar.enums import HttpMethod
from litestar.exceptions import InternalServerException
from litestar.params import FromPath

from server.mapping.errors import PayloadError
from server.pipeline import EVENT_HEADER, Answer, Inbound
from server.web.lookups import pipeline_of
from server.web.responses import json_response

LISTENER_METHODS: list[HttpMethod] = [
    HttpMethod.GET,
    HttpMethod.POST,
    HttpMethod.PUT,
    HttpMethod.PATCH,
    HttpMethod.DELETE,
]


class ClientGone(Exception):
    """The sender disconnected before its body arrived."""


@route(
    "/hooks/{token:str}",
    http_method=LISTENER_METHODS,
    name="hooks:receive",
    request_max_body_size=None,  # enforced below, with the listener's own JSON error
    include_in_schema=False,
)
async def receive_hook(request: Request[Any, Any, State], token: FromPath[str]) -> Response[bytes]:
    """Receive one event and answer with the keys read from the targets' responses."""
    pipeline = pipeline_of(request)
    try:
        body = await read_body(request, pipeline.settings.limits.max_body_bytes)
    except PayloadError as error:
        return json_response(error.status, error.as_json())
    except ClientGone:
        return json_response(400, {"error": "incomplete_request", "detail": "Body not received."})
    answer = await pipeline.receive(
        Inbound(
            token=token,
            method=request.method,
            content_type=request.headers.get("content-type"),
            query_string=request.scope.get("query_string", b""),
            body=body,
        )
    )
    return answer_response(answer)


def answer_response(answer: Answer) -> Response[bytes]:
    headers = dict(answer.headers)
    if answer.event_id is not None:
        headers[EVENT_HEADER] = answer.event_id
    return json_response(answer.status, answer.body, headers)


async def read_body(request: Request[Any, Any, State], limit: int) -> bytes:
    """The raw body, refused as soon as it is known to exceed ``limit`` bytes."""
    too_large = PayloadError(
        413,
        "body_too_large",
        f"The body is larger than this server accepts ({limit} bytes).",
        limit,
    )
    announced = request.headers.get("content-length")
    if announced is not None and announced.isdigit() and int(announced) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
    except InternalServerException:
        raise ClientGone from None
    return b"".join(chunks)
