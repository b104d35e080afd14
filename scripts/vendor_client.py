#!/usr/bin/env python3
"""Fetch the web client's few libraries from npm into src/tertulia/web/static/app/vendor/,
as pinned in vendor.json, and write each file's SHA-256 there (tests check them).

The client is plain ES modules with no build step, so `make run` never needs Node; this
script needs npm only when a library is upgraded: edit the version in vendor.json, run
`python scripts/vendor_client.py`, review the diff, commit.

Preact's hooks import the bare name "preact", which a browser cannot resolve without an import
map (an inline script, which our Content-Security-Policy forbids); the one change made to an
upstream file is that import, rewritten to the vendored file's path. vendor.json says so."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "src/tertulia/web/static/app/vendor"


def main() -> int:
    manifest = json.loads((VENDOR / "vendor.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for library in manifest["libraries"]:
            spec = f"{library['package']}@{library['version']}"
            out = subprocess.run(
                ["npm", "pack", "--json", spec], cwd=tmp, check=True, capture_output=True, text=True
            )
            packed = json.loads(out.stdout)[0]
            library["integrity"] = packed["integrity"]
            with tarfile.open(Path(tmp) / packed["filename"]) as archive:
                for file in library["files"]:
                    member = archive.extractfile(f"package/{file['from']}")
                    assert member is not None, file["from"]
                    data = member.read()
                    for old, new in file.get("rewrite", {}).items():
                        assert data.count(old.encode()) == 1, (file["from"], old)
                        data = data.replace(old.encode(), new.encode())
                    (VENDOR / file["to"]).write_bytes(data)
                    file["sha256"] = hashlib.sha256(data).hexdigest()
                    print(f"{spec}: {file['from']} -> vendor/{file['to']} ({len(data)} bytes)")
    (VENDOR / "vendor.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
