"""Import / export: mapping files out of the database as downloads, and into it in two steps.

Downloads are byte for byte what ``switchboard export`` writes. Importing is "Check", which
changes nothing and shows every problem with its line, or what would change; then "Apply",
which re-checks the very text that was checked (carried in a hidden field) and imports it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from server.imports import ImportResult, export_documents, import_documents
from server.mapping.files import (
    Issue,
    MappingFileError,
    dump_documents,
    format_location,
    load_documents,
)
from server.mapping.spec import MappingDocument
from server.store import queries
from server.web.import_plan import plan_import
from server.web.lookups import pipeline_of
from server.web.pages import VARY, page_or_partial

MAX_FILE_BYTES = 1024 * 1024
# The check form may carry a file and a pasted text, each up to the limit, plus the framing.
MAX_FORM_BYTES = 3 * MAX_FILE_BYTES
# Past this many, the rest are counted rather than listed: they are mostly one mistake repeated.
MAX_ISSUES_SHOWN = 200
# A line quoted beside its problem is cut here; the line number still leads to the rest.
MAX_QUOTED_LINE = 200
ALL_FILENAME = "switchboard-mappings.yaml"
YAML_MEDIA_TYPE = "application/yaml"
PASTED = "pasted text"
TOO_LARGE = "The file is too large: a mapping file can be at most 1 MB."


@dataclass(slots=True)
class ImportForm:
    """The mapping file as submitted (its text, where it came from), or why it cannot be read."""

    text: str = ""
    source: str = PASTED
    error: str | None = None


@dataclass(frozen=True, slots=True)
class IssueView:
    """One problem as the page shows it: line, setting, message and the line's own text."""

    line: int | None
    setting: str
    message: str
    quoted: str | None


@dataclass(frozen=True, slots=True)
class AppliedEndpoint:
    """One imported endpoint, with the URL its platform should send to."""

    result: ImportResult
    listener_url: str


def _too_large(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    """The answer to a form past :data:`MAX_FORM_BYTES`, which is refused before it is read.

    htmx swaps in only 2xx and 422 answers (see base.html), so it gets the form with the
    explanation as a 422. A browser without htmx gets a 413 page that leads back to the
    form: its CSRF token was not checked yet, so the form could not be shown again here.
    """
    if request.headers.get("HX-Request") == "true":
        context = _context(ImportForm(error=TOO_LARGE))
        return Template("mappings/_import.html", context=context, status_code=422, headers=VARY)
    return Template(
        "mappings/too_large.html", context={"message": TOO_LARGE}, status_code=413, headers=VARY
    )


class MappingController(Controller):
    """Mapping files in and out: the "Import / export" page and the endpoint downloads."""

    @get("/mappings", name="mappings:show")
    async def show_mappings(self, request: HTMXRequest) -> Template:
        """The export downloads and an empty import form."""
        return await _import_page(request, _context(ImportForm()))

    @get("/mappings/export", name="mappings:export")
    async def export_mappings(self) -> Response[bytes]:
        """Every endpoint in one mapping file, one YAML document each."""
        return _download(await export_documents(), ALL_FILENAME)

    @get("/endpoints/{key:str}/export", name="endpoints:export")
    async def export_endpoint(self, key: FromPath[str]) -> Response[bytes]:
        """One endpoint's mapping file, named after its key."""
        try:
            documents = await export_documents([key])
        except LookupError:
            raise NotFoundException(f"No endpoint has the key {key!r}.") from None
        return _download(documents, f"{key}.yaml")

    @post(
        "/mappings/check",
        name="mappings:check",
        status_code=200,
        request_max_body_size=MAX_FORM_BYTES,
        exception_handlers={RequestEntityTooLarge: _too_large},
    )
    async def check_mapping(self, request: HTMXRequest) -> Template:
        """Step 1: every problem with its line, or what importing would change. Changes nothing."""
        form = await _submitted_file(request)
        if form.error:
            return await _import_page(request, _context(form), status_code=422)
        documents, issues = await _checked(form)
        if issues:
            return await _import_page(request, _issues(form, issues), status_code=422)
        plan = await plan_import(documents)
        return await _import_page(request, _context(form, plan=plan))

    @post(
        "/mappings/apply",
        name="mappings:apply",
        status_code=200,
        request_max_body_size=MAX_FORM_BYTES,
        exception_handlers={RequestEntityTooLarge: _too_large},
    )
    async def apply_mapping(self, request: HTMXRequest) -> Template:
        """Step 2: import the checked text (checked again) and show each listener URL."""
        submitted = await request.form()
        text = _plain_lines(str(submitted.get("text", "")))
        form = ImportForm(text=text, source=str(submitted.get("source", PASTED))[:200])
        documents, issues = await _checked(form)
        if issues:
            return await _import_page(request, _issues(form, issues), status_code=422)
        results = await import_documents(documents)
        pipeline = pipeline_of(request)
        pipeline.endpoints.forget()
        applied = [
            AppliedEndpoint(result, pipeline.settings.listener_url(result.token))
            for result in results
        ]
        context = _context(
            form,
            applied=applied,
            needing_secrets=_needing_secrets(results),
            flash=f"Imported {_endpoints(len(results))}.",
        )
        return await _import_page(request, context)


def _download(documents: list[MappingDocument], filename: str) -> Response[bytes]:
    """The canonical YAML of ``documents`` as a file the browser saves rather than shows."""
    return Response(
        content=dump_documents(documents).encode("utf-8"),
        media_type=YAML_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


async def _import_page(
    request: HTMXRequest, context: dict[str, Any], status_code: int = 200
) -> Template:
    """The page with the export downloads, or for htmx only the import area, with ``context``."""
    full = {**context, "endpoints": await queries.list_endpoints()}
    return page_or_partial(
        request, "mappings/index.html", "mappings/_import.html", full, status_code
    )


def _context(form: ImportForm, **parts: Any) -> dict[str, Any]:
    """What the import area shows: the form, and at most one of problems, plan or results."""
    empty: dict[str, Any] = {
        "plan": None,
        "issues": [],
        "more_issues": 0,
        "applied": [],
        "needing_secrets": [],
        "flash": None,
    }
    return {**empty, **parts, "form": form}


def _issues(form: ImportForm, issues: list[Issue]) -> dict[str, Any]:
    shown = _issue_views(form.text, issues[:MAX_ISSUES_SHOWN])
    return _context(form, issues=shown, more_issues=len(issues) - len(shown))


def _needing_secrets(results: list[ImportResult]) -> list[str]:
    """The credentials any imported endpoint still needs a secret for, each named once."""
    names = (name for result in results for name in result.credentials_needing_secrets)
    return list(dict.fromkeys(names))


def _endpoints(count: int) -> str:
    return f"{count} endpoint" if count == 1 else f"{count} endpoints"


async def _submitted_file(request: HTMXRequest) -> ImportForm:
    """The chosen file, else the pasted text, normalised; or what is wrong with them."""
    submitted = await request.form()
    upload = submitted.get("file")
    pasted = str(submitted.get("text", ""))
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            form = await _read_upload(upload)
        finally:
            await upload.close()
    elif len(pasted.encode("utf-8")) > MAX_FILE_BYTES:
        form = ImportForm(error=TOO_LARGE)
    else:
        form = ImportForm(text=_plain_lines(pasted))
    if not form.error and not form.text.strip():
        form.error = "Choose a mapping file, or paste one into the box."
    return form


async def _read_upload(upload: UploadFile) -> ImportForm:
    content = await upload.read(MAX_FILE_BYTES + 1)
    source = upload.filename[:200]
    if len(content) > MAX_FILE_BYTES:
        return ImportForm(source=source, error=TOO_LARGE)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        error = f"“{source}” is not UTF-8 text: save it as UTF-8 (plain text) and try again."
        return ImportForm(source=source, error=error)
    return ImportForm(text=_plain_lines(text), source=source)


def _plain_lines(text: str) -> str:
    """``text`` with the CRLF line ends forms submit turned back into plain ``\\n``."""
    return text.replace("\r\n", "\n")


async def _checked(form: ImportForm) -> tuple[list[MappingDocument], list[Issue]]:
    """The documents of ``form.text`` or every issue; parsed off the event loop (it is slow)."""
    return await asyncio.to_thread(_check_text, form.text, form.source)


def _check_text(text: str, source: str) -> tuple[list[MappingDocument], list[Issue]]:
    try:
        documents = load_documents(text, filename=source)
    except MappingFileError as error:
        return [], error.issues
    if not documents:
        message = "there is no endpoint here: each one starts with 'switchboard: 1'"
        return [], [Issue(source, None, None, (), message)]
    return documents, []


def _issue_views(text: str, issues: list[Issue]) -> list[IssueView]:
    lines = text.split("\n")
    return [
        IssueView(issue.line, format_location(issue.location), issue.message, _quoted(lines, issue))
        for issue in issues
    ]


def _quoted(lines: list[str], issue: Issue) -> str | None:
    if issue.line is None or not 0 < issue.line <= len(lines):
        return None
    line = lines[issue.line - 1]
    return line if len(line) <= MAX_QUOTED_LINE else line[:MAX_QUOTED_LINE] + "…"
