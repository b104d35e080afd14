"""`/docs` (Swagger UI) and `/redoc` (ReDoc), served with their files from us (the pinned
`fastapi-offline` package carries them), so they work with no internet, under a
Content-Security-Policy that allows nothing else."""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter
from starlette.responses import Response

from tertulia.web.errors import problem

router = APIRouter()

# what each page loads: our own files only. The UIs set inline styles (React, and ReDoc's
# styled-components), and ReDoc runs its search in a worker made from a blob.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:;"
    " frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
VENDOR = "fastapi_offline"  # Swagger UI's bundle and CSS, ReDoc's standalone bundle
ASSETS = {
    "swagger-ui-bundle.js": (VENDOR, "text/javascript; charset=utf-8"),
    "swagger-ui.css": (VENDOR, "text/css; charset=utf-8"),
    "redoc.standalone.js": (VENDOR, "text/javascript; charset=utf-8"),
    "favicon.png": (VENDOR, "image/png"),
    "swagger.js": ("tertulia.web", "text/javascript; charset=utf-8"),
}
CACHE = "public, max-age=86400"  # the files change with the package's pinned version

SWAGGER = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tertulia API</title>
<link rel="icon" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger.js"></script>
</body>
</html>
"""

REDOC = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tertulia API</title>
<link rel="icon" href="/docs/assets/favicon.png">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/docs/assets/redoc.standalone.js"></script>
</body>
</html>
"""


@cache
def _read(name: str) -> bytes:
    return resources.files(ASSETS[name][0]).joinpath(f"static/{name}").read_bytes()


def _page(html: str) -> Response:
    return Response(
        html, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": POLICY}
    )


@router.get("/docs", include_in_schema=False)
async def swagger() -> Response:
    return _page(SWAGGER)


@router.get("/redoc", include_in_schema=False)
async def redoc() -> Response:
    return _page(REDOC)


@router.get("/docs/assets/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    if name not in ASSETS:
        return problem(None, 404, "http.not_found", "Not Found.")
    return Response(
        _read(name),
        media_type=ASSETS[name][1],
        headers={"Cache-Control": CACHE, "Content-Security-Policy": POLICY},
    )
