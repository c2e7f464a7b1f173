"""Helpers for the mapping builder's tests: read the editor's form as a browser would submit it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import httpx

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FORM_SAMPLE = (SAMPLES / "platform-form-post.txt").read_bytes()


class _FormReader(HTMLParser):
    """Collects what the ``#action-form`` would submit (buttons excluded)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._inside = False
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._inside = found.get("id") == "action-form"
        if not self._inside:
            return
        name = found.get("name")
        if tag == "input" and name and found.get("type") not in ("submit", "button"):
            self.values[name] = found.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = found.get("value")
            if self._first_option is None:
                self._first_option = value
                self.values.setdefault(self._select, value or "")
            if "selected" in found:
                self.values[self._select] = value or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None


def editor_values(html: str) -> dict[str, str]:
    """The name -> value pairs the editor's form would submit as rendered."""
    reader = _FormReader()
    reader.feed(html)
    return reader.values


def error_at(html: str, name: str) -> str:
    """The problem shown next to input ``name`` ("" when none)."""
    found = re.search(rf'id="error-{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert found is not None, f"no error slot for {name}"
    return found.group(1)


async def send_sample(client: httpx.AsyncClient, hook: str) -> None:
    """Post the platform's form sample to the endpoint, as the platform's test button does."""
    answer = await client.post(
        hook, content=FORM_SAMPLE, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code < 500, answer.text
