"""Loopback fakes of the APIs the presets in mappings/ call, answering as their docs say.

Each fake is a responder for :meth:`Target.default`: it routes by method and path, checks the
credential where the provider does, and answers with the provider's documented success or error
body. A path the provider does not serve gets the provider's "not found", so a preset whose URL
is wrong fails its example instead of passing by accident. Fakes keep a little state (the
contacts they hold) so that "find, then update or create" behaves as it would for real.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from support.target import Answer, ReceivedRequest

Handler = Callable[[ReceivedRequest, "re.Match[str]"], Answer]
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class Fake:
    """Routes requests to handlers by method and a full-match pattern on the path."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern), handler))

    def answer(self, request: ReceivedRequest) -> Answer:
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match is not None and method == request.method:
                return handler(request, match)
        return self.not_found(request)

    def not_found(self, request: ReceivedRequest) -> Answer:
        return Answer(status=404, json={"error": f"no route for {request.method} {request.path}"})


class WebhookFake(Fake):
    """A webhook that catches JSON posts, like Zapier's "Catch Hook" trigger.

    Zapier answers every post to a catch hook with 200 and a small JSON receipt
    (https://help.zapier.com/hc/en-us/articles/8496288690317, "Trigger Zaps from webhooks":
    "Zapier will always return a success message and a payload of debugging information").
    ``status`` makes it a webhook that is down (its body is then plain text, as most servers'
    error pages are).
    """

    RECEIPT_ID = "0196b3c5-6f7e-7a3b-9d41-5c2f8e1a7b90"

    def __init__(self, status: int = 200) -> None:
        super().__init__()
        self.status = status
        self.route("POST", r"/.*", self._catch)

    def _catch(self, request: ReceivedRequest, match: re.Match[str]) -> Answer:
        if self.status != 200:
            return Answer(status=self.status, body="Service Unavailable")
        receipt = {
            "attempt": self.RECEIPT_ID,
            "id": self.RECEIPT_ID,
            "request_id": self.RECEIPT_ID,
            "status": "success",
        }
        return Answer(json=receipt)


class HubSpotFake(Fake):
    """HubSpot CRM v3: batch upsert of contacts by a unique property (email).

    Request and answer as documented at
    https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
    (``POST /crm/v3/objects/contacts/batch/upsert``, body ``{"inputs": [{"idProperty", "id",
    "properties"}]}``, answer ``{"status", "results": [{"id", "properties", "new", ...}],
    "startedAt", "completedAt"}``). A missing or wrong private app token gets the 401 of
    https://developers.hubspot.com/docs/faq/api-error-responses with the
    ``INVALID_AUTHENTICATION`` body HubSpot's v3 APIs send.
    """

    TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
    CONTACTS: Mapping[str, str] = {"jane.doe+bench@example.com": "37451"}
    FIRST_NEW_ID = 37452

    def __init__(self) -> None:
        super().__init__()
        self.contacts = dict(self.CONTACTS)
        self.route("POST", r"/crm/v3/objects/contacts/batch/upsert", self._upsert)

    def _upsert(self, request: ReceivedRequest, match: re.Match[str]) -> Answer:
        if request.headers.get("Authorization") != f"Bearer {self.TOKEN}":
            return self._unauthorized()
        inputs = request.json.get("inputs") if isinstance(request.json, dict) else None
        if not isinstance(inputs, list) or not all(_is_upsert_input(one) for one in inputs):
            return self._invalid("each input needs idProperty, id and properties")
        results = [self._upserted(one) for one in inputs]
        return Answer(
            json={
                "status": "COMPLETE",
                "results": results,
                "startedAt": "2026-11-23T10:00:00.000Z",
                "completedAt": "2026-11-23T10:00:00.120Z",
            }
        )

    def _upserted(self, one: dict[str, Any]) -> dict[str, Any]:
        email = str(one["id"]).lower()
        new = email not in self.contacts
        if new:
            self.contacts[email] = str(self.FIRST_NEW_ID + len(self.contacts) - 1)
        record_id = self.contacts[email]
        return {
            "id": record_id,
            "properties": {**one["properties"], "hs_object_id": record_id},
            "createdAt": "2026-11-23T10:00:00.100Z",
            "updatedAt": "2026-11-23T10:00:00.110Z",
            "archived": False,
            "new": new,
        }

    def _unauthorized(self) -> Answer:
        return Answer(
            status=401,
            json={
                "status": "error",
                "message": "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "correlationId": "6f1f8c02-3c55-4a3d-b3b4-0d5a4e6f7a81",
                "category": "INVALID_AUTHENTICATION",
            },
        )

    def _invalid(self, message: str) -> Answer:
        return Answer(
            status=400,
            json={
                "status": "error",
                "message": message,
                "correlationId": "2b7e1c9a-8d3f-4e5b-a6c7-1f0e9d8c7b6a",
                "category": "VALIDATION_ERROR",
            },
        )


def _is_upsert_input(one: Any) -> bool:
    return (
        isinstance(one, dict)
        and one.get("idProperty") == "email"
        and isinstance(one.get("id"), str)
        and isinstance(one.get("properties"), dict)
    )


class PipedriveFake(Fake):
    """Pipedrive API v1: search persons by email, update a person, add a person.

    Endpoints and answers as documented at https://developers.pipedrive.com/docs/api/v1/Persons
    (``GET /v1/persons/search`` answers ``{"success": true, "data": {"items": [{"result_score",
    "item": {"id", "type": "person", "name", "emails", ...}}]}, "additional_data":
    {"pagination"}}``; ``PUT /v1/persons/{id}`` and ``POST /v1/persons`` answer
    ``{"success": true, "data": {"id", ...}}``, the latter with 201). Every answer has the shape of
    https://pipedrive.readme.io/docs/core-api-concepts-responses; a wrong ``api_token`` gets 401
    with the error body described there.
    """

    TOKEN = "0123456789abcdef0123456789abcdef01234567"
    PERSONS: Mapping[str, int] = {"jane.doe+bench@example.com": 4211}
    FIRST_NEW_ID = 4212

    def __init__(self) -> None:
        super().__init__()
        self.persons: dict[int, dict[str, Any]] = {
            person_id: {"id": person_id, "name": "Jane Doe", "emails": [email], "phones": []}
            for email, person_id in self.PERSONS.items()
        }
        self.route("GET", r"/v1/persons/search", self._search)
        self.route("PUT", r"/v1/persons/(\d+)", self._update)
        self.route("POST", r"/v1/persons", self._add)

    def answer(self, request: ReceivedRequest) -> Answer:
        if request.query_dict.get("api_token") != self.TOKEN:
            return self._error(401, "unauthorized access")
        return super().answer(request)

    def not_found(self, request: ReceivedRequest) -> Answer:
        return self._error(404, "Unknown method .")

    def _search(self, request: ReceivedRequest, match: re.Match[str]) -> Answer:
        query = request.query_dict
        if len(query.get("term", "")) < 1 or query.get("exact_match") != "true":
            return self._error(400, "term is required (exact_match=true for one character)")
        term = query["term"].lower()
        fields = query.get("fields", "email").split(",")
        found = [
            person
            for person in self.persons.values()
            if "email" in fields and term in (email.lower() for email in person["emails"])
        ]
        items = [{"result_score": 1.0, "item": _search_item(person)} for person in found]
        return Answer(
            json={
                "success": True,
                "data": {"items": items},
                "additional_data": {
                    "pagination": {"start": 0, "limit": 100, "more_items_in_collection": False}
                },
            }
        )

    def _update(self, request: ReceivedRequest, match: re.Match[str]) -> Answer:
        person = self.persons.get(int(match.group(1)))
        if person is None:
            return self._error(404, "Person not found")
        if not isinstance(request.json, dict):
            return self._error(400, "the body must be a JSON object")
        person.update(_person_changes(request.json))
        return Answer(json={"success": True, "data": _person(person)})

    def _add(self, request: ReceivedRequest, match: re.Match[str]) -> Answer:
        body = request.json if isinstance(request.json, dict) else {}
        if not str(body.get("name") or "").strip():
            return self._error(400, "Name must be given.")
        person_id = self.FIRST_NEW_ID + len(self.persons) - len(self.PERSONS)
        person = {"id": person_id, "name": "", "emails": [], "phones": []}
        person.update(_person_changes(body))
        self.persons[person_id] = person
        return Answer(status=201, json={"success": True, "data": _person(person)})

    def _error(self, status: int, message: str) -> Answer:
        return Answer(
            status=status,
            json={
                "success": False,
                "error": message,
                "errorCode": status,
                "error_info": "Please check developers.pipedrive.com for more information "
                "about Pipedrive API.",
                "data": None,
                "additional_data": None,
            },
        )


def _person_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = body["name"]
    if "email" in body:
        changes["emails"] = [body["email"]]
    if "phone" in body:
        changes["phones"] = [body["phone"]]
    return changes


def _search_item(person: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": person["id"],
        "type": "person",
        "name": person["name"],
        "phones": person["phones"],
        "emails": person["emails"],
        "visible_to": 3,
        "owner": {"id": 13245},
        "organization": None,
        "custom_fields": [],
        "notes": [],
    }


def _person(person: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": person["id"],
        "name": person["name"],
        "email": [{"value": email, "primary": True, "label": "work"} for email in person["emails"]],
        "phone": [{"value": phone, "primary": True, "label": "work"} for phone in person["phones"]],
        "active_flag": True,
    }


class FacebookFake(Fake):
    """Meta Marketing API: add users to a Customer File Custom Audience.

    ``POST /v{version}/{audience id}/users`` with ``{"payload": {"schema": [...], "data":
    [[...]]}}``, as documented at
    https://developers.facebook.com/docs/marketing-api/reference/custom-audience/users; the answer
    is ``{"audience_id", "session_id", "num_received", "num_invalid_entries",
    "invalid_entry_samples"}`` (the shape Meta's own guide shows after an upload). Errors are
    Graph API error objects (https://developers.facebook.com/docs/graph-api/guides/error-handling):
    a wrong ``access_token`` gets code 190, an audience that does not exist code 100 subcode 33, and
    an audience flagged for restricted data the code 100 subcode 1713230 error printed on the
    users page. A row whose values are not SHA-256 hex (or empty) counts as invalid, as raw
    values would be for Meta.
    """

    TOKEN = "EAAGm0PX4ZCpsBAtestTOKEN"
    AUDIENCES = frozenset({"23850000000000001"})
    FLAGGED = frozenset({"23850000000000666"})
    SESSION_ID = "9778993"

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", r"/v\d+\.\d+/([^/]+)/users", self._add_users)

    def answer(self, request: ReceivedRequest) -> Answer:
        if request.query_dict.get("access_token") != self.TOKEN:
            return self._error(
                400, "Invalid OAuth access token - Cannot parse access token", 190, None
            )
        return super().answer(request)

    def not_found(self, request: ReceivedRequest) -> Answer:
        return self._error(400, "Unknown path components: " + request.path, 2500, None)

    def _add_users(self, request: ReceivedRequest, match: re.Match[str]) -> Answer:
        audience = match.group(1)
        if audience in self.FLAGGED:
            return self._flagged()
        if audience not in self.AUDIENCES:
            message = (
                f"Unsupported post request. Object with ID '{audience}' does not exist, cannot "
                "be loaded due to missing permissions, or does not support this operation."
            )
            return self._error(400, message, 100, 33)
        rows = _audience_rows(request.json)
        if rows is None:
            return self._error(400, "(#100) The parameter payload is required", 100, None)
        invalid = sum(1 for row in rows if not _valid_row(row))
        return Answer(
            json={
                "audience_id": audience,
                "session_id": self.SESSION_ID,
                "num_received": len(rows),
                "num_invalid_entries": invalid,
                "invalid_entry_samples": {},
            }
        )

    def _flagged(self) -> Answer:
        return Answer(
            status=400,
            json={
                "error": {
                    "message": "Invalid parameter",
                    "code": 100,
                    "error_subcode": 1713230,
                    "error_user_title": "Audience Upload Blocked",
                    "error_user_msg": "Before updating user memberships, you must resolve "
                    "integrity restrictions on this Data File Custom Audience. Go to Audience "
                    "Manager to appeal the restrictions or create a new audience with updated data",
                }
            },
        )

    def _error(self, status: int, message: str, code: int, subcode: int | None) -> Answer:
        error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
        if subcode is not None:
            error["error_subcode"] = subcode
        error["fbtrace_id"] = "AZpDZ1eW3KQmvC1o6y8nqJ9"
        return Answer(status=status, json={"error": error})


def _audience_rows(body: Any) -> list[list[Any]] | None:
    payload = body.get("payload") if isinstance(body, dict) else None
    if not isinstance(payload, dict):
        return None
    schema, data = payload.get("schema"), payload.get("data")
    if not isinstance(schema, list) or not isinstance(data, list):
        return None
    if not all(isinstance(row, list) and len(row) == len(schema) for row in data):
        return None
    return data


def _valid_row(row: list[Any]) -> bool:
    values = [value for value in row if value != ""]
    return bool(values) and all(
        isinstance(value, str) and _SHA256_HEX.fullmatch(value) for value in values
    )


FAKES: dict[str, Callable[..., Fake]] = {
    "webhook": WebhookFake,
    "hubspot": HubSpotFake,
    "pipedrive": PipedriveFake,
    "facebook": FacebookFake,
}
