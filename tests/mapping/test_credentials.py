"""Credentials are applied to requests and never recorded."""

from __future__ import annotations

import base64

import pytest

from server.mapping.credentials import Credential, apply_credential
from server.mapping.errors import MappingError
from server.mapping.request import REDACTED, OutboundRequest

REQUEST = OutboundRequest("POST", "https://api.test/x?a=1", (("Accept", "application/json"),))


def test_bearer_token_goes_in_the_authorization_header_and_is_redacted() -> None:
    request = apply_credential(REQUEST, Credential("crm", "bearer", secret={"token": "s3cret"}))
    assert ("Authorization", "Bearer s3cret") in request.headers
    record = request.redacted()
    assert ["Authorization", REDACTED] in record["headers"]
    assert "s3cret" not in repr(record)


def test_header_credential_uses_its_header_name() -> None:
    credential = Credential("k", "header", {"name": "X-Api-Token"}, {"value": "s3cret"})
    request = apply_credential(REQUEST, credential)
    assert ("X-Api-Token", "s3cret") in request.headers
    assert "s3cret" not in repr(request.redacted())


def test_query_credential_goes_in_the_url_and_is_redacted() -> None:
    credential = Credential("pd", "query", {"name": "api_token"}, {"value": "s3cret"})
    request = apply_credential(REQUEST, credential)
    assert request.url == "https://api.test/x?a=1&api_token=s3cret"
    assert "s3cret" not in repr(request.redacted())


def test_basic_auth_encodes_user_and_password() -> None:
    credential = Credential("b", "basic", secret={"username": "u", "password": "p:w"})
    request = apply_credential(REQUEST, credential)
    expected = "Basic " + base64.b64encode(b"u:p:w").decode()
    assert ("Authorization", expected) in request.headers
    assert "p:w" not in repr(request.redacted())
    assert expected not in repr(request.redacted())


def test_a_credential_without_its_secret_says_how_to_set_it() -> None:
    with pytest.raises(MappingError, match="has no token yet"):
        apply_credential(REQUEST, Credential("crm", "bearer"))


def test_a_credential_replaces_an_authorization_header_set_by_the_mapping() -> None:
    request = OutboundRequest("GET", "https://a.test", (("authorization", "Bearer other"),))
    applied = apply_credential(request, Credential("c", "bearer", secret={"token": "t"}))
    assert [h for h in applied.headers if h[0].lower() == "authorization"] == [
        ("Authorization", "Bearer t")
    ]
