"""The Credentials pages: the secrets actions send, which endpoints use them, and changing them.

A secret goes one way only, from a form into the store: no page writes one back, not even a
form shown again because of another mistake (it says "enter it again" instead). Credential
names hold whatever a mapping file allows (``/``, ``%``, ``<``...), so their URLs carry them
escaped by :func:`name_segment`. After a save or a delete the browser is redirected, and the
next page says what happened (a one-time cookie, read by that page). What the forms accept
and how the pages name things is in :mod:`server.web.credential_forms`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlencode

from litestar import Controller, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.response import Redirect, Template

from server.mapping.credentials import SECRET_FIELDS, missing_secret_fields
from server.store import queries
from server.store.models import Credential
from server.web.credential_forms import (
    NAME_MAX_LENGTH,
    SECRET_LABELS,
    TYPE_CHOICES,
    CredentialForm,
    EndpointUse,
    Usage,
    check_secret,
    credential_usages,
    name_problem,
    options_with_parameter,
    parameter_name,
    submitted_secret,
    type_label,
)
from server.web.lookups import pipeline_of
from server.web.pages import page_or_partial

# Path segments the pages use themselves, or that browsers fold away: names equal to one
# are escaped whole in URLs.
_TAKEN_SEGMENTS = frozenset({"new", ".", ".."})
FLASH_COOKIE = "switchboard-credential-flash"
_FLASH_MESSAGES = {
    "created": "Credential “{}” saved: the actions that use it send it from now on.",
    "replaced": "The new secret of “{}” is saved: the actions that use it send it from now on.",
    "deleted": "Credential “{}” deleted.",
}

QueryName = Annotated[str, QueryParameter(max_length=NAME_MAX_LENGTH)]
QueryType = Annotated[str, QueryParameter(name="type", max_length=32)]


@dataclass(frozen=True, slots=True)
class CredentialRow:
    """One credential as the pages show it: never its secret, only whether it is set."""

    name: str
    type: str
    type_label: str
    missing: tuple[str, ...]  # the secret values not set yet, named as the pages do
    updated_at: datetime
    uses: list[EndpointUse]
    url: str


class CredentialController(Controller):
    """Credentials as a marketer sees them: a name, a kind of secret, and who uses it."""

    @get("/credentials", name="credentials:list")
    async def list_credentials(self, request: HTMXRequest) -> Template:
        """Every credential, its state and users; and names endpoints use that do not exist."""
        usages = credential_usages(await queries.list_endpoints())
        rows = [await _row(request, row, usages) for row in await queries.list_credentials()]
        existing = {row.name for row in rows}
        missing = [
            (name, usage, _new_url(request, name, usage.declared_type))
            for name, usage in sorted(usages.items())
            if name not in existing
        ]
        context = {"rows": rows, "missing": missing}
        return _with_flash(request, "credentials/list.html", "credentials/_table.html", context)

    @get("/credentials/new", name="credentials:new")
    async def new_credential(
        self, request: HTMXRequest, name: QueryName = "", kind: QueryType = ""
    ) -> Template:
        """The form, empty or with a name (and type) a mapping file uses."""
        form = CredentialForm(name=name, type=kind if kind in SECRET_FIELDS else "")
        return _new_form(request, form)

    @post("/credentials", name="credentials:create", status_code=200)  # HX-Redirect; else 303/422
    async def create_credential(self, request: HTMXRequest) -> Response[Any]:
        """Store the new credential and go to the list; or show the form again with what to fix."""
        submitted = await request.form()
        form = CredentialForm(
            name=str(submitted.get("name", "")).strip(),
            type=str(submitted.get("type", "")),
            parameter=str(submitted.get("parameter", "")).strip(),
        )
        secret = submitted_secret(submitted, form.type)
        await _check_new(form, secret)
        if form.errors:
            return _new_form(request, form, status_code=422)
        await queries.save_credential(
            form.name, form.type, options_with_parameter(form, {}), secret
        )
        return _saved(request, "credentials:list", form.name, "created")

    @get("/credentials/{credential:str}", name="credentials:show")
    async def show_credential(self, request: HTMXRequest, credential: FromPath[str]) -> Template:
        """One credential: its state, who uses it, "Replace secret" and "Delete"."""
        stored = await _existing(credential)
        form = CredentialForm(stored.name, stored.type, parameter_name(stored.options))
        context = await _show_context(request, stored, form)
        return _with_flash(request, "credentials/show.html", "credentials/_replace.html", context)

    @post("/credentials/{credential:str}", name="credentials:update", status_code=200)
    async def update_credential(
        self, request: HTMXRequest, credential: FromPath[str]
    ) -> Response[Any]:
        """Replace the secret (and the header or parameter name); the type stays."""
        stored = await _existing(credential)
        submitted = await request.form()
        form = CredentialForm(stored.name, stored.type, str(submitted.get("parameter", "")).strip())
        secret = submitted_secret(submitted, stored.type)
        check_secret(form, secret)
        if form.errors:
            context = await _show_context(request, stored, form)
            page, partial = "credentials/show.html", "credentials/_replace.html"
            return page_or_partial(request, page, partial, context, status_code=422)
        options = options_with_parameter(form, stored.options)
        await queries.save_credential(stored.name, stored.type, options, secret)
        return _saved(request, "credentials:show", stored.name, "replaced")

    @post("/credentials/{credential:str}/delete", name="credentials:delete", status_code=200)
    async def delete_credential(
        self, request: HTMXRequest, credential: FromPath[str]
    ) -> Response[Any]:
        """Without ``confirm``: the warning naming every endpoint that uses it. With it: delete.

        The confirming form lists the endpoints it warned about; when another one started
        using the credential since, the warning is shown again instead of deleting.
        """
        stored = await _existing(credential)
        submitted = await request.form()
        usage = credential_usages(await queries.list_endpoints()).get(stored.name, Usage())
        confirmed = submitted.get("confirm") == "yes"
        warned = {str(key) for key in submitted.getall("warned", [])}
        if not confirmed or {use.key for use in usage.endpoints} - warned:
            context = {
                "row": await _row(request, stored, {stored.name: usage}),
                "delete_url": credential_url(request, "credentials:delete", stored.name),
                "warned_again": confirmed,
            }
            page, partial = "credentials/delete.html", "credentials/_delete.html"
            return page_or_partial(request, page, partial, context)
        await queries.delete_credential(stored.name)
        return _saved(request, "credentials:list", stored.name, "deleted")


def name_segment(name: str) -> str:
    """``name`` as one URL path segment that reaches the handler whole, as its path parameter.

    The server decodes the path once before routing, where a plain ``%2F`` would split it:
    ``%`` and ``/`` are escaped once more (undone by :func:`name_from_segment`). Names the
    pages use themselves (``new``) or that browsers fold away (``..``) are escaped whole.
    """
    if name in _TAKEN_SEGMENTS:
        escaped = "".join(f"%{byte:02X}" for byte in name.encode())
    else:
        escaped = name.replace("%", "%25").replace("/", "%2F")
    return quote(escaped, safe="")


def name_from_segment(segment: str) -> str:
    """The credential name a path parameter made by :func:`name_segment` carries."""
    return unquote(segment)


def credential_url(request: HTMXRequest, route: str, name: str) -> str:
    """The address of a credential page or form (``credentials:show``, ``:update``, ``:delete``)."""
    return request.app.route_reverse(route, credential=name_segment(name))


async def _existing(segment: str) -> Credential:
    """The credential a URL names (without its secret), or 404, also for impossible names."""
    name = name_from_segment(segment)
    credential = None if name_problem(name) else await queries.credential_by_name(name)
    if credential is None:
        raise NotFoundException(f"There is no credential called “{name}”.")
    return credential


async def _missing_fields(name: str) -> tuple[str, ...]:
    """The secret values the credential lacks; the secret itself goes no further than here."""
    stored = await queries.credential_with_secret(name)
    return () if stored is None else tuple(missing_secret_fields(stored))


async def _row(
    request: HTMXRequest, credential: Credential, usages: Mapping[str, Usage]
) -> CredentialRow:
    return CredentialRow(
        name=credential.name,
        type=credential.type,
        type_label=type_label(credential.type, credential.options),
        missing=tuple(SECRET_LABELS[name] for name in await _missing_fields(credential.name)),
        updated_at=credential.updated_at,
        uses=usages.get(credential.name, Usage()).endpoints,
        url=credential_url(request, "credentials:show", credential.name),
    )


async def _show_context(
    request: HTMXRequest, credential: Credential, form: CredentialForm
) -> dict[str, Any]:
    usages = credential_usages(await queries.list_endpoints())
    return {
        "row": await _row(request, credential, usages),
        "form": form,
        "supported": credential.type in SECRET_FIELDS,
        "update_url": credential_url(request, "credentials:update", credential.name),
        "delete_url": credential_url(request, "credentials:delete", credential.name),
        "flash": None,
        **_field_context(),
    }


def _field_context() -> dict[str, Any]:
    return {
        "type_choices": TYPE_CHOICES,
        "secret_labels": SECRET_LABELS,
        "name_max_length": NAME_MAX_LENGTH,
    }


def _new_form(request: HTMXRequest, form: CredentialForm, status_code: int = 200) -> Template:
    """The "New credential" form; htmx (re-asked on a type change) gets one type's fields."""
    shown = (form.type,) if request.htmx and form.type in SECRET_FIELDS else tuple(SECRET_FIELDS)
    context = {"form": form, "shown_types": shown, **_field_context()}
    return page_or_partial(
        request, "credentials/new.html", "credentials/_form.html", context, status_code
    )


def _new_url(request: HTMXRequest, name: str, type: str) -> str:
    query = urlencode({"name": name, "type": type} if type else {"name": name})
    return f"{request.app.route_reverse('credentials:new')}?{query}"


async def _check_new(form: CredentialForm, secret: dict[str, str]) -> None:
    """Fill ``form.errors`` with what to change before the credential can be created."""
    problem = name_problem(form.name)
    if problem is None and await queries.credential_by_name(form.name) is not None:
        problem = (
            f"There is already a credential called “{form.name}”: choose another name, "
            "or open it from the list to replace its secret."
        )
    if problem:
        form.errors["name"] = problem
    if form.type not in SECRET_FIELDS:
        form.errors["type"] = "Choose how the API expects the secret."
    check_secret(form, secret)


def _saved(request: HTMXRequest, route: str, name: str, change: str) -> Response[Any]:
    """Go to ``route`` (this process's cache forgets the old secret); it will say ``change``."""
    pipeline = pipeline_of(request)
    pipeline.endpoints.forget()
    target = (
        credential_url(request, route, name)
        if route != "credentials:list"
        else request.app.route_reverse(route)
    )
    response: Response[Any] = (
        ClientRedirect(redirect_to=target) if request.htmx else Redirect(target, status_code=303)
    )
    response.set_cookie(
        FLASH_COOKIE,
        f"{change}:{quote(name, safe='')}",
        max_age=120,
        path=request.app.route_reverse("credentials:list"),
        secure=pipeline.settings.effective_public_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )
    return response


def _with_flash(request: HTMXRequest, page: str, partial: str, context: dict[str, Any]) -> Template:
    """The page or partial, saying what the last save or delete did (once: the cookie goes)."""
    change, _, quoted = request.cookies.get(FLASH_COOKIE, "").partition(":")
    message = _FLASH_MESSAGES.get(change)
    flash = message.format(unquote(quoted)) if message else None
    response = page_or_partial(request, page, partial, {**context, "flash": flash})
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path=request.app.route_reverse("credentials:list"))
    return response
