"""Images: what thumbnails of a 12-megapixel phone photo cost in CPU, throughput and memory.

    .venv/bin/python bench/images.py [--runs 7] [--photos 24] [--workers 2]

Draws a photo-like 4000x3000 JPEG (multi-scale noise over gradients, quality 90, EXIF
orientation 6 and GPS), then measures:
- cpu: CPU time (process_time, one process, one core) of `process_image` making the three
  thumbnails, the cleaned original and the placeholder; the median of `--runs`;
- throughput: photos/s through the real PillowImages pool of `--workers` processes, on
  `--photos` photos submitted at once (the pool started beforehand);
- memory: the peak RSS (VmHWM) of each worker process after that.

Prints them against the targets (< 250 ms CPU, >= 6 photos/s on 2 workers, < 150 MiB per
worker) and writes bench/results/images.json.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter

from tertulia.adapters.images import WEBP_METHOD, WEBP_QUALITY, PillowImages, process_image

ROOT = Path(__file__).parent.parent
TARGET_CPU_MS = 250
TARGET_PHOTOS_PER_S = 6
TARGET_RSS_MIB = 150


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="CPU runs (median)")
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "webp": {"quality": WEBP_QUALITY, "method": WEBP_METHOD},
    }
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
    out = ROOT / "bench" / "results" / "images.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
