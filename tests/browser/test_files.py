"""Files in the web client, two people in two browsers: a photo attached with the button shows
to the other as a thumbnail over its blurhash and opens in a lightbox; images dropped on the
channel or pasted into the composer, one removed before sending; a file past the tus threshold
uploads in parts and resumes after its connection drops, the message waiting for it; a file
that is not an image shows as a card and downloads. The composer with attachments and the
lightbox are scanned by axe."""

from __future__ import annotations

import asyncio
import base64
import io
import random
import re
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw
from playwright.async_api import Page, Request, Route, WebSocketRoute, expect

from tests.browser import axe
from tests.browser.client import SIDEBAR, log_in, screenshot, signed_in
from tests.browser.pages import Pages
from tests.browser.team import API, Team, ok

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROCESSED_WITHIN_MS = 20_000  # an image's thumbnails: the first wakes the image workers
TUS_CHUNK = 4 * 1024 * 1024  # lib/uploads.js CHUNK


def photo(width: int = 1200, height: int = 900, seed: int = 1, fmt: str = "JPEG") -> bytes:
    """A real photo-like image: coloured gradients under noise (a few hundred KB as JPEG)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(2)]
    for y in range(height):
        mix = y / height
        colour = tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(20, 160)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(256) for _ in range(3)))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.25)
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return out.getvalue()


async def attach_with_button(page: Page, name: str, mime: str, data: bytes) -> None:
    """Choose a file with the composer's attach button, as a person would."""
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Attach files").first.click()
    await (await chooser.value).set_files({"name": name, "mimeType": mime, "buffer": data})


async def drop(page: Page, target: str, files: list[tuple[str, str, bytes]]) -> None:
    """Drop `files` on the element `target` (a CSS selector), as a drag from the desktop ends."""
    transfer = await page.evaluate_handle(
        """(files) => {
          const transfer = new DataTransfer();
          for (const [name, type, data] of files) {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            transfer.items.add(new File([bytes], name, { type }));
          }
          return transfer;
        }""",
        [[n, t, base64.b64encode(d).decode()] for n, t, d in files],
    )
    area = page.locator(target)
    await area.dispatch_event("dragenter", {"dataTransfer": transfer})
    await area.dispatch_event("dragover", {"dataTransfer": transfer})
    await area.dispatch_event("drop", {"dataTransfer": transfer})


def chip(page: Page, name: str):  # type: ignore[no-untyped-def]
    return (
        page.get_by_role("list", name="Attachments").get_by_role("listitem").filter(has_text=name)
    )


async def painted(page: Page, name: str) -> bool:
    """Whether the blurhash canvas of the thumbnail `name` has opaque pixels in it."""
    button = page.get_by_role("button", name=f"View image {name}")
    return bool(
        await button.locator("canvas").evaluate(
            """(canvas) => {
              const { width, height } = canvas;
              const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
              return pixels[3] === 255 && pixels[pixels.length - 1] === 255;
            }"""
        )
    )


async def test_a_photo_attached_with_the_button_shows_to_the_other_and_opens_in_a_lightbox(
    team: Team, pages: Pages
) -> None:
    """Ana attaches a photo with the button (a chip with its name and size, ready to send)
    and sends it with a line; Bruno sees a thumbnail of the photo's shape over its painted
    blurhash, opens it large, and Esc gives focus back to the thumbnail."""
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(pages, team["bruno"])
    jpeg = photo()
    assert 100_000 < len(jpeg) < 1_000_000

    await attach_with_button(ana, "playa.jpg", "image/jpeg", jpeg)
    attached = chip(ana, "playa.jpg")
    await expect(attached).to_contain_text("Ready to send")
    await expect(attached.get_by_role("button", name="Remove playa.jpg")).to_be_visible()
    await axe.assert_accessible(ana, "the composer with an attachment")
    await screenshot(ana, "files-composer")

    await ana.get_by_role("textbox", name=re.compile("Message")).fill("Mirad la playa")
    await ana.keyboard.press("Enter")
    await expect(ana.get_by_role("list", name="Attachments")).to_have_count(0)

    thumb = bruno.get_by_role("button", name="View image playa.jpg")
    await expect(thumb).to_have_attribute("data-loaded", "true", timeout=PROCESSED_WITHIN_MS)
    assert await painted(bruno, "playa.jpg")
    box = await thumb.bounding_box()
    assert box is not None
    assert abs(box["width"] / box["height"] - 1200 / 900) < 0.03, box  # the photo's shape
    assert await thumb.locator("img").evaluate(
        "(img) => img.src.startsWith('blob:') && img.naturalWidth > 0"
    )
    await expect(bruno.get_by_text("Mirad la playa")).to_be_visible()
    await screenshot(bruno, "files-thumbnail")

    await thumb.click()
    lightbox = bruno.get_by_role("dialog", name="playa.jpg")
    await expect(lightbox).to_be_visible()
    await expect(lightbox.get_by_role("img", name="Image playa.jpg")).to_be_visible()
    await expect(lightbox.get_by_role("button", name="Close")).to_be_focused()
    await expect(lightbox.get_by_role("button", name="Download")).to_be_visible()
    await expect(lightbox.locator("img.shown")).to_have_count(1)
    await axe.assert_accessible(bruno, "the lightbox")
    await screenshot(bruno, "files-lightbox")
    await bruno.keyboard.press("Escape")
    await expect(lightbox).to_have_count(0)
    await expect(thumb).to_be_focused()


async def test_images_dropped_or_pasted_are_attached_and_move_in_the_lightbox(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """Two images dropped on the channel and one pasted into the composer become chips; one
    removed is gone (and deleted on the server); the others wait in #general while Ana looks
    at another channel; the message of files alone shows Bruno both images, and the
    lightbox's arrow keys go from one to the other and back around."""
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(pages, team["bruno"])
    red, blue, green = (photo(640, 480, seed, "PNG") for seed in (2, 3, 4))

    await drop(ana, "main", [("roja.png", "image/png", red), ("azul.png", "image/png", blue)])
    await expect(chip(ana, "roja.png")).to_contain_text("Ready to send")
    await expect(chip(ana, "azul.png")).to_contain_text("Ready to send")
    await ana.get_by_role("textbox", name=re.compile("Message")).evaluate(
        """(box, data) => {
          const transfer = new DataTransfer();
          const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          transfer.items.add(new File([bytes], "verde.png", { type: "image/png" }));
          const init = { clipboardData: transfer, bubbles: true, cancelable: true };
          box.dispatchEvent(new ClipboardEvent("paste", init));
        }""",
        base64.b64encode(green).decode(),
    )
    await expect(chip(ana, "verde.png")).to_contain_text("Ready to send")

    async with ana.expect_request(lambda r: r.method == "DELETE" and "/files/" in r.url) as deleted:
        await chip(ana, "verde.png").get_by_role("button", name="Remove verde.png").click()
    removed_id = (await deleted.value).url.rsplit("/", 1)[1]
    await expect(chip(ana, "verde.png")).to_have_count(0)
    await expect(ana.get_by_role("textbox", name=re.compile("Message"))).to_be_focused()

    sidebar = ana.get_by_role("navigation", name=SIDEBAR)
    await sidebar.get_by_role("link", name="diseño").click()  # the attachments stay with #general
    await expect(ana.get_by_role("heading", name="#diseño", level=1)).to_be_visible()
    await expect(ana.get_by_role("list", name="Attachments")).to_have_count(0)
    await sidebar.get_by_role("link", name="general").click()
    await expect(chip(ana, "roja.png")).to_contain_text("Ready to send")
    await ana.get_by_role("textbox", name=re.compile("Message")).press("Enter")  # files alone

    first = bruno.get_by_role("button", name="View image roja.png")
    await expect(first).to_have_attribute("data-loaded", "true", timeout=PROCESSED_WITHIN_MS)
    second = bruno.get_by_role("button", name="View image azul.png")
    await expect(second).to_have_attribute("data-loaded", "true")
    await expect(bruno.get_by_role("button", name="View image verde.png")).to_have_count(0)
    gone = await api.get(f"{API}/files/{removed_id}", headers=team["ana"].headers)
    assert gone.status_code == 404, gone.text

    await first.click()
    await expect(bruno.get_by_role("dialog", name="roja.png")).to_contain_text("1 of 2")
    await bruno.keyboard.press("ArrowRight")
    await expect(bruno.get_by_role("dialog", name="azul.png")).to_contain_text("2 of 2")
    await bruno.keyboard.press("ArrowRight")
    await expect(bruno.get_by_role("dialog", name="roja.png")).to_be_visible()
    await bruno.get_by_role("button", name="Previous image").click()
    await expect(bruno.get_by_role("dialog", name="azul.png")).to_be_visible()
    async with bruno.expect_download() as download:
        await bruno.get_by_role("dialog").get_by_role("button", name="Download").click()
    assert (await download.value).suggested_filename == "azul.png"
    await bruno.get_by_role("button", name="Close").click()
    await expect(bruno.get_by_role("dialog")).to_have_count(0)
    await expect(first).to_be_focused()


async def test_a_big_file_goes_by_tus_resumes_after_a_dropped_connection_and_downloads(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """A 6 MB file goes by tus in parts; the connection drops during the second part, the
    client asks the server where the upload stands and sends only the rest. Ana pressed Enter
    at once: the message waits for the upload, then goes. Bruno sees a card with its name and
    size, and the download is the same bytes."""
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(pages, team["bruno"])
    data = random.Random(6).randbytes(6 * 1024 * 1024)
    seen: list[str] = []
    patches = 0

    async def cut_second(route: Route, request: Request) -> None:
        nonlocal patches
        seen.append(f"{request.method} {request.headers.get('upload-offset', '')}".strip())
        if request.method == "PATCH":
            patches += 1
            if patches == 2:
                await route.abort("internetdisconnected")
                return
        await route.continue_()

    await ana.route(re.compile(r".*/api/v1/(workspaces/[^/]+/)?uploads(/[^/]+)?$"), cut_second)
    await attach_with_button(ana, "datos.bin", "application/octet-stream", data)
    await ana.get_by_role("textbox", name=re.compile("Message")).fill("Los datos del trimestre")
    await ana.keyboard.press("Enter")
    waiting = ana.get_by_role("status").filter(has_text="Sending when the uploads finish")
    await expect(waiting).to_be_visible()
    await expect(
        chip(ana, "datos.bin").get_by_role("progressbar", name="Uploading datos.bin")
    ).to_be_visible()
    await axe.assert_accessible(ana, "the composer with an upload under way")
    await screenshot(ana, "files-uploading")

    card = bruno.get_by_role("group", name="datos.bin")
    await expect(card).to_contain_text("6 MB", timeout=20_000)
    await expect(bruno.get_by_text("Los datos del trimestre")).to_be_visible()
    await expect(ana.get_by_role("list", name="Attachments")).to_have_count(0)
    assert seen == ["POST", "PATCH 0", f"PATCH {TUS_CHUNK}", "HEAD", f"PATCH {TUS_CHUNK}"], seen
    await pages.settle()
    cut = pages.faults.take("console", "ERR_INTERNET_DISCONNECTED")  # the request the test cut
    assert len(cut) == 1, cut
    await axe.assert_accessible(bruno, "a message with a file")
    await screenshot(bruno, "files-card")

    async with bruno.expect_download() as download:
        await card.get_by_role("button", name="Download datos.bin").click()
    saved = await (await download.value).path()
    assert await asyncio.to_thread(Path(saved).read_bytes) == data
    assert (await download.value).suggested_filename == "datos.bin"


async def test_an_image_still_processing_shows_a_placeholder_until_its_file_ready_event(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """Bruno's socket holds back the image's file.ready event: the message shows the image as
    being processed; once the event comes through, the thumbnail replaces the placeholder
    without a reload."""
    held: list[str | bytes] = []
    release = asyncio.Event()
    live = asyncio.Event()  # the server said hello on Bruno's socket
    ready = asyncio.Event()  # the server sent file.ready, held back
    sockets: list[WebSocketRoute] = []

    async def hold_file_ready(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        sockets.append(ws)

        def from_server(message: str | bytes) -> None:
            live.set()
            if not release.is_set() and '"file.ready"' in str(message):
                held.append(message)
                ready.set()
            else:
                ws.send(message)

        server.on_message(from_server)

    bruno = await pages.open(team["bruno"], locale="en-US")
    await bruno.route_web_socket(re.compile(r".*/api/v1/ws$"), hold_file_ready)
    await log_in(bruno, team["bruno"])
    await asyncio.wait_for(live.wait(), 10)
    await expect(bruno.get_by_role("heading", name="#general", level=1)).to_be_visible()
    ana = team["ana"]
    uploaded = ok(
        await api.post(
            f"{API}/workspaces/{team.workspace_id}/files",
            files={"file": ("faro.jpg", photo(seed=7), "image/jpeg")},
            headers=ana.headers,
        ),
        201,
    )
    posted = ok(
        await api.post(
            f"{API}/channels/{team.general}/messages",
            json={"text": "El faro", "file_ids": [uploaded["id"]]},
            headers=ana.headers,
        ),
        201,
    )
    assert posted["files"][0]["status"] == "processing"  # posted within ms of the upload

    await expect(bruno.get_by_text("Processing faro.jpg…")).to_be_visible(timeout=10_000)
    await screenshot(bruno, "files-processing")
    await asyncio.wait_for(ready.wait(), 10)
    await expect(bruno.get_by_role("button", name="View image faro.jpg")).to_have_count(0)
    release.set()
    for message in held:
        sockets[-1].send(message)
    thumb = bruno.get_by_role("button", name="View image faro.jpg")
    await expect(thumb).to_have_attribute("data-loaded", "true", timeout=10_000)
    await expect(bruno.get_by_text("Processing faro.jpg…")).to_have_count(0)
