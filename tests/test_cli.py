"""The switchboard command: validate, import, export, credentials."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from server.cli import main

pytestmark = pytest.mark.postgres

Invoke = Callable[..., Result]

MAPPING = """\
switchboard: 1
endpoint:
  name: CLI contacts
credentials:
  crm:
    type: bearer
actions:
  - name: create
    request:
      url: https://crm.example.com/contacts
      credential: crm
    fields:
      email: {from: $.body.contact.email, transform: [trim, lower]}
    response:
      crm_id: $.id
"""


@pytest.fixture
def run(tmp_path: Path, database_url: str) -> Invoke:
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url}

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "crm.yaml"
    path.write_text(MAPPING)
    return path


def test_validate_accepts_a_good_file(run: Invoke, mapping_file: Path) -> None:
    result = run("validate", str(mapping_file))
    assert result.exit_code == 0
    assert "valid" in result.output


def test_validate_names_file_line_and_problem(run: Invoke, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MAPPING.replace("[trim, lower]", "[trim, lowr]"))
    result = run("validate", str(bad))
    assert result.exit_code == 1
    assert re.search(r"bad\.yaml:13:.*lowr", result.output), result.output


def test_import_prints_the_listener_url_and_the_missing_secret(
    run: Invoke, mapping_file: Path
) -> None:
    first = run("import", str(mapping_file))
    assert first.exit_code == 0, first.output
    url = re.search(r"http://127\.0\.0\.1:8000/hooks/[\w-]{20,}", first.output)
    assert url is not None
    assert "created" in first.output
    assert "switchboard credential set crm" in first.output

    again = run("import", str(mapping_file))
    assert "updated" in again.output
    assert url.group(0) in again.output


def test_export_import_export_is_byte_identical(
    run: Invoke, mapping_file: Path, tmp_path: Path
) -> None:
    run("import", str(mapping_file))
    first = tmp_path / "first.yaml"
    run("export", "-o", str(first))
    run("import", str(first))
    second = run("export")
    assert second.output == first.read_text()
    assert "key: cli-contacts" in second.output


def test_export_of_an_unknown_key_fails(run: Invoke) -> None:
    result = run("export", "nope")
    assert result.exit_code != 0
    assert "no endpoint with key nope" in result.output


def test_credentials_are_set_from_stdin_and_never_listed_or_exported(
    run: Invoke, mapping_file: Path
) -> None:
    run("import", str(mapping_file))
    saved = run("credential", "set", "crm", input="tok-s3cret\n")
    assert saved.exit_code == 0, saved.output
    listed = run("credential", "list")
    exported = run("export")
    assert "crm\tbearer" in listed.output
    assert "tok-s3cret" not in listed.output + exported.output
    again = run("import", str(mapping_file))
    assert "needs its secret" not in again.output


def test_replay_of_an_unknown_event_says_so_and_fails(run: Invoke) -> None:
    result = run("replay", "01a20000-0000-7000-8000-000000000000")
    assert result.exit_code == 1
    assert "No event has this id" in result.output
