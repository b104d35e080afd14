"""The web client's files as shipped: third-party code is exactly what vendor.json pins (each
file's SHA-256, with its licence beside it), the page loads nothing from elsewhere and
nothing inline, and the only HTML the client inserts is a message's, which the server made."""

from __future__ import annotations

import hashlib
import json
import re

from tertulia.web import client

APP = client.packaged_root()
VENDOR = APP / "vendor"


def test_vendored_files_are_exactly_what_the_manifest_pins() -> None:
    manifest = json.loads((VENDOR / "vendor.json").read_text())
    listed = set()
    for library in manifest["libraries"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", library["version"]), library["package"]
        assert library["licence"] in {"MIT", "Apache-2.0"}, library["package"]
        assert library["integrity"].startswith("sha512-"), library["package"]
        names = [file["to"] for file in library["files"]]
        assert f"LICENSE.{library['package']}.txt" in names, "its licence travels with it"
        for file in library["files"]:
            data = (VENDOR / file["to"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == file["sha256"], file["to"]
            listed.add(file["to"])
    shipped = {p.name for p in VENDOR.iterdir() if p.name != "vendor.json"}
    assert shipped == listed, "every vendored file is pinned, and only those are shipped"


def test_the_page_loads_only_our_files_and_nothing_inline() -> None:
    page = (APP / "index.html").read_text()
    assert "<style" not in page
    assert " style=" not in page
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    assert scripts, "the page starts the client"
    for attributes, body in scripts:
        assert body.strip() == "", "no inline script"
        assert re.search(r'src="/app/', attributes)
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith("/app/"), url


def test_the_only_html_inserted_is_a_messages_from_the_server() -> None:
    ours = [p for p in APP.rglob("*.js") if VENDOR not in p.parents]
    assert len(ours) > 20
    for path in ours:
        code = path.read_text()
        for found in re.findall(r"dangerouslySetInnerHTML=\$\{\{ __html: ([^}]+) \}\}", code):
            assert found.strip() == "message.html", (path.name, found)
        for forbidden in (
            "innerHTML =",
            "outerHTML",
            "insertAdjacentHTML",
            "eval(",
            "new Function",
        ):
            assert forbidden not in code, (path.name, forbidden)
        assert not re.search(r"\sstyle=\"", code), f"{path.name}: a style attribute breaks the CSP"
