"""Images: what thumbnails of a 12-megapixel phone photo cost in CPU, throughput and memory,
and the peak memory of a worker on the largest image we accept, in every format.

    .venv/bin/python bench/images.py [--runs 7] [--photos 24] [--workers 2]
                                     [--only photo|memory] [--formats png,heic,...]

Draws a photo-like 4000x3000 JPEG (multi-scale noise over gradients, quality 90, EXIF
orientation 6 and GPS), then measures:
- cpu: CPU time (process_time, one process, one core) of `process_image` making the three
  thumbnails, the cleaned original and the placeholder; the median of `--runs`;
- throughput: photos/s through the real PillowImages pool of `--workers` processes, on
  `--photos` photos submitted at once (the pool started beforehand);
- memory: the peak RSS (VmHWM) of each worker process after that.

Then, for each format we process, draws a 50-megapixel picture (8660x5773; BMP in 256
colours, to fit the 100 MiB upload limit) and, for the formats that cannot be decoded whole
within a worker's memory, one at the largest size they are decoded at; processes each in a
fresh process and prints its peak RSS (VmHWM) and what became of it (made ready, or
image.too_large: no thumbnails, served as an attachment without metadata). Target: every
peak under 256 MiB.

Prints them against the targets (< 250 ms CPU, >= 6 photos/s on 2 workers, < 150 MiB per
worker on the photo, < 256 MiB on any image) and writes bench/results/images.json.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image, ImageFilter

from tertulia.adapters.images import (
    WEBP_METHOD,
    WEBP_QUALITY,
    PillowImages,
    process_image,
    start_worker,
)
from tertulia.usecases.ports.files import ImageRejected

ROOT = Path(__file__).parent.parent
TARGET_CPU_MS = 250
TARGET_PHOTOS_PER_S = 6
TARGET_RSS_MIB = 150
TARGET_PEAK_MIB = 256
LARGEST = (8660, 5773)  # 49,995,180 pixels: the most TERTULIA_IMAGE_MAX_PIXELS allows
# (name, content type, size, how to save it): 50 MP in each format, and the largest size
# decoded whole for those that cannot be at 50 MP
MEMORY_CASES: list[tuple[str, str, tuple[int, int], dict[str, Any]]] = [
    ("jpeg", "image/jpeg", LARGEST, {"format": "JPEG", "quality": 90}),
    ("jpeg-progressive", "image/jpeg", LARGEST, {"format": "JPEG", "progressive": True}),
    ("png", "image/png", LARGEST, {"format": "PNG", "compress_level": 1}),
    ("png-rgba", "image/png", LARGEST, {"format": "PNG", "compress_level": 1, "alpha": True}),
    ("gif", "image/gif", LARGEST, {"format": "GIF", "colours": 64}),
    ("bmp", "image/bmp", LARGEST, {"format": "BMP", "colours": 256}),
    ("tiff", "image/tiff", LARGEST, {"format": "TIFF", "compression": "tiff_deflate"}),
    ("tiff-29mp", "image/tiff", (6500, 4500), {"format": "TIFF", "compression": "tiff_deflate"}),
    ("webp", "image/webp", LARGEST, {"format": "WEBP", "quality": 80, "method": 0}),
    ("webp-11mp", "image/webp", (4000, 2750), {"format": "WEBP", "quality": 80, "method": 0}),
    ("avif", "image/avif", LARGEST, {"format": "AVIF", "quality": 50, "speed": 10}),
    ("avif-18mp", "image/avif", (5000, 3600), {"format": "AVIF", "quality": 50, "speed": 10}),
    ("heic", "image/heic", LARGEST, {"format": "HEIF", "quality": 50, "fast": True}),
    ("heic-29mp", "image/heic", (6500, 4500), {"format": "HEIF", "quality": 50, "fast": True}),
]


def photo(width: int = 4000, height: int = 3000) -> bytes:
    """A JPEG that compresses like a photo: gradients, blobs at several scales, grain."""
    channels = []
    for channel in range(3):
        layer = Image.linear_gradient("L").rotate(40 * channel + 10)
        layer = layer.resize((width, height), Image.Resampling.BILINEAR)
        for scale, weight in ((400, 0.5), (100, 0.35), (25, 0.25), (6, 0.2)):
            noise = Image.effect_noise((width // scale + 2, height // scale + 2), 60)
            layer = Image.blend(
                layer, noise.resize((width, height), Image.Resampling.BICUBIC), weight
            )
        grain = Image.effect_noise((width, height), 24).filter(ImageFilter.GaussianBlur(0.6))
        channels.append(Image.blend(layer, grain, 0.35))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "BenchCam"
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 1.5), 3: "W", 4: (3.0, 42.0, 7.25)}
    buffer = io.BytesIO()
    Image.merge("RGB", channels).save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def cpu(source: Path, workdir: Path, runs: int) -> dict[str, Any]:
    process_image(str(source), "image/jpeg", str(workdir))  # warm: imports, profiles
    times = []
    for _ in range(runs):
        started = time.process_time()
        result = process_image(str(source), "image/jpeg", str(workdir))
        times.append(time.process_time() - started)
    return {
        "runs_ms": [round(t * 1000, 1) for t in times],
        "median_ms": round(statistics.median(times) * 1000, 1),
        "thumbnail_bytes": {t.size: t.path.stat().st_size for t in result.thumbnails},
        "original_bytes": result.original.path.stat().st_size,
        "placeholder": result.placeholder,
    }


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def throughput(source: Path, workdir: Path, photos: int, workers: int) -> dict[str, Any]:
    images = PillowImages(workers=workers)
    try:
        warm = [workdir / f"warm-{i}" for i in range(workers)]
        for path in warm:
            path.mkdir()
        await asyncio.gather(*(images.process(source, "image/jpeg", path) for path in warm))
        dirs = [workdir / f"photo-{i}" for i in range(photos)]
        for path in dirs:
            path.mkdir()
        started = time.perf_counter()
        await asyncio.gather(*(images.process(source, "image/jpeg", path) for path in dirs))
        elapsed = time.perf_counter() - started
        rss = [round(vm_hwm_kib(pid) / 1024, 1) for pid in images.worker_pids()]
    finally:
        await images.aclose()
    return {
        "workers": workers,
        "photos": photos,
        "seconds": round(elapsed, 2),
        "photos_per_s": round(photos / elapsed, 2),
        "peak_rss_mib_per_worker": rss,
    }


def picture(size: tuple[int, int], alpha: bool = False) -> Image.Image:
    """A photo-like picture, cheap to draw at 50 MP: blurred noise scaled up, and grain."""
    width, height = size
    small = [
        Image.effect_noise((width // 20 + 1, height // 20 + 1), 70).filter(
            ImageFilter.GaussianBlur(2)
        )
        for _ in range(3)
    ]
    grain = Image.effect_noise(size, 20)
    bands = [
        Image.blend(band.resize(size, Image.Resampling.BILINEAR), grain, 0.2) for band in small
    ]
    im = Image.merge("RGB", bands)
    if alpha:
        im.putalpha(Image.linear_gradient("L").resize(size))
    return im


def draw(path: Path, size: tuple[int, int], options: dict[str, Any]) -> None:
    """Save a picture of `size` as `options` say, with camera EXIF where the format has it."""
    options = dict(options)
    fmt = options.pop("format")
    im = picture(size, alpha=options.pop("alpha", False))
    if colours := options.pop("colours", None):
        im = im.quantize(colours)
    if options.pop("fast", False):
        options["enc_params"] = {"preset": "ultrafast"}  # x265 at 50 MP: 25 s, not minutes
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    if fmt in ("JPEG", "WEBP", "AVIF", "HEIF", "PNG"):
        options["exif"] = exif.tobytes()
    elif fmt == "TIFF":
        options["tiffinfo"] = {271: "BenchCam", 315: "Bench Author"}
    im.save(path, fmt, **options)


def measure(source: str, content_type: str) -> None:
    """In this fresh process: process one image as a worker does, print what it cost."""
    start_worker(50_000_000)
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        try:
            process_image(source, content_type, workdir)
            outcome = "ready"
        except ImageRejected as rejected:
            cleaned = any(Path(workdir).glob("original.*"))  # what the pool hands back
            outcome = rejected.code + (" (served cleaned, as an attachment)" if cleaned else "")
        seconds = time.perf_counter() - started
    peak = _own_hwm_kib()
    print(
        json.dumps(
            {"outcome": outcome, "seconds": round(seconds, 2), "peak_mib": round(peak / 1024, 1)}
        )
    )


def _own_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def memory(workdir: Path, names: set[str] | None) -> list[dict[str, Any]]:
    rows = []
    for name, content_type, size, options in MEMORY_CASES:
        if names and name not in names and name.split("-")[0] not in names:
            continue
        path = workdir / f"{name}.img"
        draw(path, size, options)
        done = subprocess.run(
            [sys.executable, __file__, "--measure", str(path), content_type],
            capture_output=True,
            text=True,
            check=True,
        )
        row = {
            "case": name,
            "megapixels": round(size[0] * size[1] / 1e6, 1),
            "file_mb": round(path.stat().st_size / 1e6, 1),
            **json.loads(done.stdout.strip().splitlines()[-1]),
        }
        path.unlink()
        rows.append(row)
        print(
            f"  {name:18} {row['megapixels']:5} MP {row['file_mb']:6} MB  peak "
            f"{row['peak_mib']:6} MiB  {row['seconds']:6} s  {row['outcome']}",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="CPU runs (median)")
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=("photo", "memory"), help="one part of the bench")
    parser.add_argument("--formats", help="memory cases to run, comma-separated (png,heic…)")
    parser.add_argument("--measure", nargs=2, metavar=("PATH", "TYPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    pillow_heif.register_heif_opener()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "webp": {"quality": WEBP_QUALITY, "method": WEBP_METHOD},
    }
    if args.only != "photo":
        with tempfile.TemporaryDirectory(prefix="tertulia-images-") as tmp:
            print(f"peak memory of a worker, largest images (target < {TARGET_PEAK_MIB} MiB):")
            names = set(args.formats.split(",")) if args.formats else None
            results["memory"] = memory(Path(tmp), names)
            worst = max((row["peak_mib"] for row in results["memory"]), default=0)
            print(f"  worst peak: {worst} MiB (target < {TARGET_PEAK_MIB} MiB)", flush=True)
    if args.only == "memory":
        write(results)
        return
    with tempfile.TemporaryDirectory(prefix="tertulia-images-") as tmp:
        workdir = Path(tmp)
        source = workdir / "photo.jpg"
        source.write_bytes(photo())
        results["photo"] = {"width": 4000, "height": 3000, "bytes": source.stat().st_size}
        print(f"photo: 4000x3000 JPEG, {source.stat().st_size / 1e6:.1f} MB", flush=True)

        single = workdir / "single"
        single.mkdir()
        results["cpu"] = cpu(source, single, args.runs)
        c = results["cpu"]
        print(
            f"cpu, three sizes + original + placeholder: {c['median_ms']} ms median"
            f" (target < {TARGET_CPU_MS} ms; runs {c['runs_ms']});"
            f" thumbnails {c['thumbnail_bytes']} bytes",
            flush=True,
        )
        results["pool"] = asyncio.run(throughput(source, workdir, args.photos, args.workers))
        p = results["pool"]
        print(
            f"pool of {p['workers']}: {p['photos_per_s']} photos/s"
            f" ({p['photos']} in {p['seconds']} s; target >= {TARGET_PHOTOS_PER_S} on 2)"
        )
        print(
            f"peak RSS per worker: {p['peak_rss_mib_per_worker']} MiB"
            f" (target < {TARGET_RSS_MIB} MiB)"
        )
    write(results)


def write(results: dict[str, Any]) -> None:
    out = ROOT / "bench" / "results" / "images.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
