"""A typed client generated from /openapi.json by a mainstream generator (openapi-python-client,
in a venv of its own that `make dev` makes: its typer conflicts with ours) drives a real
server: register, log in, post, upload by tus, search. The generator runs with
`--fail-on-warning`: a document it could not make a client of every operation from fails.

Two of our media types are told to it as what they are: the tus part
(`application/offset+octet-stream`) and a download (`*/*`, the file's own type) are bytes,
which the generator only knows as `application/octet-stream`."""

from __future__ import annotations

import base64
import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.e2e.server import environment, running_server

pytestmark = pytest.mark.slow

GENERATOR = Path(sys.executable).parent.parent / "tools" / "bin" / "openapi-python-client"
GENERATOR_CONFIG = """\
post_hooks: []
content_type_overrides:
  "*/*": application/octet-stream
  application/offset+octet-stream: application/octet-stream
"""
PACKAGE = "tertulia_client"
PASSWORD = "violeta-azul-42!"


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[str]:
    env = environment(tmp_path, TERTULIA_DATABASE_URL=sqlite_url)
    with running_server(env, tmp_path / "server.log") as base:
        yield base


@pytest.fixture
def generated(server: str, tmp_path: Path) -> Iterator[Any]:
    """The client package, generated from the running server's document and imported."""
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR} is missing: `make dev` installs it", pytrace=False)
    (tmp_path / "openapi.json").write_bytes(httpx.get(f"{server}/openapi.json").content)
    (tmp_path / "generator.yaml").write_text(GENERATOR_CONFIG)
    made = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "generator.yaml",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
            "--fail-on-warning",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield Generated(importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


class Generated:
    """The generated package's modules by name: `api("files", "files_create")`."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.types = importlib.import_module(f"{PACKAGE}.types")

    def api(self, tag: str, operation: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}")


def test_a_generated_client_registers_posts_uploads_by_tus_and_searches(
    server: str, generated: Generated
) -> None:
    """Someone who generates a client from /openapi.json can use Tertulia with it alone:
    typed requests and answers, tus headers and raw bytes, problems as typed models."""
    api, models = generated.api, generated.models
    with generated.package.Client(base_url=server, raise_on_unexpected_status=True) as anonymous:
        registered = api("accounts", "accounts_register").sync_detailed(
            client=anonymous,
            body=models.RegisterIn(username="ana", email="ana@example.com", password=PASSWORD),
        )
        assert registered.status_code == 201
        tokens = api("accounts", "accounts_login").sync(
            client=anonymous, body=models.LoginIn(login="ana", password=PASSWORD)
        )
    assert isinstance(tokens, models.TokensOut)
    with generated.package.AuthenticatedClient(
        base_url=server, token=tokens.access_token, raise_on_unexpected_status=True
    ) as ana:
        drive(generated, ana)


def drive(generated: Generated, ana: Any) -> None:
    """Ana's part of the flow: a workspace, a message, a file by tus, searches."""
    api, models, types = generated.api, generated.models, generated.types
    ws = api("workspaces", "workspaces_create").sync(
        client=ana, body=models.WorkspaceIn(name="Equipo Núcleo")
    )
    channel = api("channels", "channels_create").sync(
        ws.id, client=ana, body=models.ChannelIn(name="diseño")
    )
    posted = api("messages", "messages_post").sync(
        channel.id, client=ana, body=models.MessageIn(text="Hola **equipo**: el informe trimestral")
    )
    assert isinstance(posted, models.MessageOut)
    assert posted.html.strip() == "<p>Hola <strong>equipo</strong>: el informe trimestral</p>"

    # tus: the generated calls send the tus headers and the raw bytes, and read them back
    data = b"Ingresos del tercer trimestre\n" * 100
    version = models.FilesCreateTusResumable("1.0.0")
    created = api("files", "files_create").sync_detailed(
        ws.id,
        client=ana,
        tus_resumable=version,
        upload_length=len(data),
        upload_metadata="filename " + base64.b64encode(b"informe_q3.txt").decode(),
    )
    assert created.status_code == 201
    assert created.headers["tus-resumable"] == "1.0.0"
    upload_id = created.headers["location"].rsplit("/", 1)[1]
    for start, end in ((0, 1000), (1000, len(data))):
        sent = api("files", "files_append").sync_detailed(
            upload_id,
            client=ana,
            body=types.File(payload=data[start:end]),
            tus_resumable=models.FilesAppendTusResumable("1.0.0"),
            upload_offset=start,
        )
        assert sent.status_code == 204
        assert sent.headers["upload-offset"] == str(end)
    stands = api("files", "files_offset").sync_detailed(
        upload_id, client=ana, tus_resumable=models.FilesOffsetTusResumable("1.0.0")
    )
    assert stands.headers["upload-offset"] == stands.headers["upload-length"] == str(len(data))
    upload = api("files", "files_get_upload").sync(upload_id, client=ana)
    assert sent.headers["tertulia-file-id"] == upload.file_id
    shared = api("messages", "messages_post").sync(
        channel.id,
        client=ana,
        body=models.MessageIn(text="Adjunto el informe", file_ids=[upload.file_id]),
    )
    assert [f.name for f in shared.files] == ["informe_q3.txt"]

    found = api("search", "search_search").sync(ws.id, client=ana, q="informe")
    assert isinstance(found, models.SearchOut)
    assert {hit.message.id for hit in found.items} == {posted.id, shared.id}
    files = api("search", "search_search_files").sync(ws.id, client=ana, q="informe")
    assert [hit.file.id for hit in files.items] == [upload.file_id]

    # a problem is a typed model too, its code one the document lists
    refused = api("search", "search_search").sync(ws.id, client=ana, q="   ")
    assert type(refused).__name__ == "SearchSearchResponse400"
    assert refused.code.value == "search.empty"
