"""Fan-out: how fast, and at what cost, events reach many sockets.

    .venv/bin/python bench/fanout.py [--members 1000] [--rate 20] [--seconds 10]
                                     [--big 10000] [--skip-big] [--no-pin]
                                     [--broker redis://127.0.0.1:6379/0] [--out PATH]

Scenarios, each printed and written to bench/results/fanout.json:
- target: `--members` sockets in #general, one sender posting `--rate` messages/s over REST;
  delivery latency from send to receipt, for every recipient (p50/p95/p99), deliveries/s,
  and what was not delivered;
- saturation: the same sockets, 32 messages in flight (the next sent when one has reached
  everyone): deliveries/s for Tertulia and for the ceiling, the same server stack writing
  pre-encoded frames of the same size with no application logic (bench/bare_ws.py); our
  share of it (each the median of `--repeat` runs);
- big: `--big` sockets in one channel, 2 messages/s: latency to the last recipient; and the
  server's memory per idle connection, measured once they are all connected;
- no recipient: what an event no local socket may see costs a node (in process);
- Redis wire form: encoding and signing, checking and decoding an event as the Redis broker
  carries it, and the HMAC's share of that (in process).

The server is pinned to core 0 and this load generator to core 1 (unless --no-pin); the load
generator (uvloop, and a minimal WebSocket client: bench/wsclient.py) prints its own CPU use
to show whether it was the limit. With `--broker`, the server publishes through that broker
(Redis: every event goes out to Redis and back, as with many nodes) instead of in process.
Accounts are seeded straight
through the use cases (with a trivial password hasher) to save minutes of Argon2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).parent))
from processes import cpu_seconds, free_port, pinned, raise_fd_limit, serving
from wsclient import Client, connect

ROOT = Path(__file__).parent.parent
SECRET = secrets.token_urlsafe(48)
PASSWORD = "abanico-verde-2026"
MARK, TIME = b"bench n=", b" t="
run = uvloop.run  # the load generator's loop, as the server's (uvicorn picks uvloop)


# seeding -----------------------------------------------------------------------------------------


class TrivialHasher:
    """Bench accounts need no real password hashing."""

    async def hash(self, password: str) -> str:
        return "plain$" + password

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain$" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False


async def seed(url: str, people: int) -> tuple[str, list[str]]:
    """`people` accounts in one workspace (all in #general); #general's id and their access
    tokens (valid for two hours)."""
    from tertulia.adapters.sql import migrate
    from tertulia.adapters.sql.database import open_database
    from tertulia.bootstrap import assemble
    from tertulia.domain.workspaces import Role
    from tertulia.usecases.accounts import AuthPolicy, Limit, Registration
    from tertulia.usecases.accounts import Client as Origin
    from tertulia.usecases.workspaces import InvitationDraft
    from tertulia.web.auth import AccessTokens, Principal

    database = open_database(url)
    try:
        await migrate.upgrade(database)
        many = Limit(10**9, 60)
        policy = AuthPolicy(
            login_per_account=many,
            login_per_account_total=many,
            login_per_address=many,
            register_per_address=many,
        )
        core = await assemble(database, TrivialHasher(), lambda: datetime.now(UTC), policy)
        tokens = AccessTokens(SECRET, "tertulia", timedelta(hours=2))
        minted = []
        token = ""
        owner = None
        workspace = None
        for n in range(people):
            name = f"fan{n:05d}"
            user = await core.accounts.register(
                Registration(username=name, email=f"{name}@example.com", password=PASSWORD)
            )
            grant = await core.accounts.login(
                name, PASSWORD, Origin(ip=f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
            )
            minted.append(tokens.issue(Principal(user.id, grant.session_id))[0])
            if owner is None:
                owner = user
                workspace, _ = await core.workspaces.create(user.id, "Fan-out")
                continue
            assert workspace is not None
            if n % 999 == 1:
                _, token = await core.workspaces.invite(
                    owner.id, workspace.id, InvitationDraft(Role.MEMBER, max_uses=1000)
                )
            await core.workspaces.accept(user.id, token)
        assert owner is not None
        assert workspace is not None
        rows = await core.channels.browse(owner.id, workspace.id)
        general = next(r.channel.id for r in rows.items if r.channel.is_default)
        return str(general), minted
    finally:
        await database.close()


# processes ---------------------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# measuring ---------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Every delivery of a bench message: latency, and how many sockets each message reached."""

    latencies: list[float] = field(default_factory=list)
    reached: dict[int, int] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)  # latency to the last recipient
    frames: int = 0
    bench_bytes: int = 0  # the size of the bench frames, summed
    done: dict[int, asyncio.Future[None]] = field(default_factory=dict)
    everyone: int = 0

    def __call__(self, buffer: bytearray, start: int, end: int, now: float) -> None:
        """A frame: `buffer[start:end]`. Bench messages read "bench n=<n> t=<sent at>"."""
        self.frames += 1
        at = buffer.find(MARK, start, end)
        if at < 0:
            return
        at += 8
        t = buffer.find(TIME, at, end)
        t_end = buffer.find(b'"', t, end)
        n = int(buffer[at:t])
        latency = now - float(buffer[t + 3 : t_end])
        self.latencies.append(latency)
        self.bench_bytes += end - start
        count = self.reached.get(n, 0) + 1
        self.reached[n] = count
        self.last[n] = latency
        if count == self.everyone:
            waiter = self.done.get(n)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)


class Meter:
    """Wall time, and the CPU share of this load generator and of the server, over a block."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.wall = 0.0
        self.figures: dict[str, float] = {}

    def __enter__(self) -> Meter:
        self._start = (time.perf_counter(), time.process_time(), cpu_seconds(self.pid))
        return self

    def __exit__(self, *_: object) -> None:
        wall0, own0, server0 = self._start
        self.wall = time.perf_counter() - wall0
        self.figures = {
            "loadgen_cpu": round((time.process_time() - own0) / self.wall, 2),
            "server_cpu": round((cpu_seconds(self.pid) - server0) / self.wall, 2),
        }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def ms(value: float) -> float:
    return round(value * 1000, 1)


async def open_sockets(
    port: int, tokens: list[str], recorder: Callable[[bytearray, int, int, float], None]
) -> list[Client]:
    clients: list[Client] = []
    for start in range(0, len(tokens), 250):
        batch = tokens[start : start + 250]
        clients += await asyncio.gather(
            *(
                connect(
                    "127.0.0.1",
                    port,
                    "/api/v1/ws",
                    json.dumps({"type": "auth", "token": token}).encode(),
                    recorder,
                )
                for token in batch
            )
        )
    return clients


class Sender:
    def __init__(self, port: int, token: str, channel: str, bare: bool, size: int = 0) -> None:
        self.http = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        self.path = "/broadcast" if bare else f"/api/v1/channels/{channel}/messages"
        self.size = size  # for the ceiling: the frame size to send
        self.n = 0
        self.failed = 0

    async def send(self) -> int:
        self.n += 1
        n = self.n
        text = f"bench n={n} t={time.perf_counter():.6f}"
        body: dict[str, Any] = {"text": text}
        if self.size:
            body["size"] = self.size
        response = await self.http.post(self.path, json=body)
        if response.status_code != 201:
            self.failed += 1
        return n

    async def close(self) -> None:
        await self.http.aclose()


async def paced(sender: Sender, rate: float, seconds: float) -> int:
    """Send at a fixed rate (each send its own task, so a slow answer delays nothing)."""
    tasks = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(sender.send()))
    await asyncio.gather(*tasks)
    return len(tasks)


async def drain(recorder: Recorder, expected: int, within: float = 10) -> None:
    deadline = time.perf_counter() + within
    while sum(recorder.reached.values()) < expected and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


async def target(
    port: int, pid: int, tokens: list[str], channel: str, rate: float, seconds: float
) -> dict[str, Any]:
    recorder = Recorder()
    clients = await open_sockets(port, tokens, recorder)
    recorder.everyone = len(clients)
    await asyncio.sleep(1)
    sender = Sender(port, tokens[0], channel, bare=False)
    with Meter(pid) as meter:
        sent = await paced(sender, rate, seconds)
        await drain(recorder, sent * len(clients))
    await sender.close()
    closed = sum(1 for c in clients if c.closed.done())
    for client in clients:
        client.close()
    delivered = sum(recorder.reached.values())
    return {
        "members": len(clients),
        "rate": rate,
        "messages": sent,
        "failed_posts": sender.failed,
        "deliveries": delivered,
        "not_delivered": sent * len(clients) - delivered,
        "sockets_closed": closed,
        "deliveries_per_s": round(delivered / meter.wall),
        "p50_ms": ms(percentile(recorder.latencies, 50)),
        "p95_ms": ms(percentile(recorder.latencies, 95)),
        "p99_ms": ms(percentile(recorder.latencies, 99)),
        "max_ms": ms(max(recorder.latencies, default=float("nan"))),
        **meter.figures,
    }


async def saturation(
    port: int,
    pid: int,
    tokens: list[str],
    channel: str,
    seconds: float,
    bare: bool,
    size: int = 0,
    window: int = 32,
) -> dict[str, Any]:
    recorder = Recorder()
    clients = await open_sockets(port, tokens, recorder)
    recorder.everyone = len(clients)
    await asyncio.sleep(1)
    sender = Sender(port, tokens[0], channel, bare, size)
    loop = asyncio.get_running_loop()

    async def one() -> None:
        n = sender.n + 1
        recorder.done[n] = loop.create_future()
        await sender.send()
        with suppress(TimeoutError):
            await asyncio.wait_for(recorder.done[n], 10)

    async def lane(until: float) -> None:
        while time.perf_counter() < until:
            await one()

    with Meter(pid) as meter:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(lane(until) for _ in range(window)))
    await sender.close()
    for client in clients:
        client.close()
    delivered = sum(recorder.reached.values())
    return {
        "members": len(clients),
        "messages": sender.n,
        "deliveries_per_s": round(delivered / meter.wall),
        "frame_bytes": recorder.bench_bytes // max(1, delivered),
        "p99_ms": ms(percentile(recorder.latencies, 99)),
        **meter.figures,
    }


def median_of(times: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a saturation `times` and keep the run of median throughput (runs on this machine
    vary by a fifth), with every run's figure."""
    runs = [measure() for _ in range(times)]
    runs.sort(key=lambda r: r["deliveries_per_s"])
    chosen = dict(runs[len(runs) // 2])
    chosen["runs_deliveries_per_s"] = [r["deliveries_per_s"] for r in runs]
    return chosen


async def big(
    port: int, pid: int, tokens: list[str], channel: str, seconds: float
) -> dict[str, Any]:
    recorder = Recorder()
    before = rss_kib(pid)
    clients = await open_sockets(port, tokens, recorder)
    recorder.everyone = len(clients)
    await asyncio.sleep(3)  # let the server settle
    after = rss_kib(pid)
    sender = Sender(port, tokens[0], channel, bare=False)
    with Meter(pid) as meter:
        sent = await paced(sender, 2, seconds)
        await drain(recorder, sent * len(clients), within=30)
    await sender.close()
    for client in clients:
        client.close()
    lasts = list(recorder.last.values())
    delivered = sum(recorder.reached.values())
    return {
        "members": len(clients),
        "messages": sent,
        "not_delivered": sent * len(clients) - delivered,
        "idle_kib_per_connection": round((after - before) / len(clients), 1),
        "server_rss_mib": round(after / 1024, 1),
        "last_recipient_p50_ms": ms(percentile(lasts, 50)),
        "last_recipient_p99_ms": ms(percentile(lasts, 99)),
        "every_delivery_p99_ms": ms(percentile(recorder.latencies, 99)),
        **meter.figures,
    }


def no_recipient(events: int = 100_000) -> dict[str, Any]:
    """What an event no local socket may see costs this process: published after commit,
    through the in-process broker, ordered and dispatched by the hub (in process)."""
    from tertulia.adapters.broker.memory import MemoryBroker
    from tertulia.domain.events import Event
    from tertulia.usecases.realtime import Hub, Live

    class EmptyLog:
        async def last_id(self) -> int:
            return 0

        async def first_id(self) -> int:
            return 0

        async def after(self, after_id: int, up_to: int | None, limit: int) -> list[Any]:
            return []

        async def scopes(self, user_id: str) -> set[str]:
            return set()

        async def prune(self, before: datetime) -> int:
            return 0

    async def measure() -> float:
        hub = Hub(EmptyLog(), poll=60)  # type: ignore[arg-type]
        live = Live(MemoryBroker(), hub, time.monotonic)
        await live.start()
        now = datetime.now(UTC)
        batch = [
            Event(
                "message.created",
                {"id": f"m{i}", "text": "hola, ¿qué tal?", "author_id": "u", "version": 1},
                ("ch:01JD5ZB0CHANNE10000000000A",),
                workspace_id="w",  # type: ignore[arg-type]
                channel_id="c",  # type: ignore[arg-type]
                id=i + 1,
                at=now,
            )
            for i in range(events)
        ]
        start = time.perf_counter()
        for i in range(0, events, 100):
            live.published(batch[i : i + 100])
            await asyncio.sleep(0)
        while hub.delivered < events:  # noqa: ASYNC110  # polling is the measurement
            await asyncio.sleep(0)
        elapsed = time.perf_counter() - start
        await live.close()
        return elapsed

    elapsed = run(measure())
    return {"events": events, "us_per_event": round(elapsed / events * 1e6, 2)}


def broker_wire(events: int = 100_000, batch: int = 20) -> dict[str, Any]:
    """What the Redis broker's wire form costs per event: encoding and signing a batch as a
    node publishes it, checking and decoding it as every node receives it; and the share of
    that spent on the HMAC-SHA256 that authenticates each message (in process)."""
    import hashlib
    import hmac

    from tertulia.adapters.broker.redis import decode, encode, frame_key
    from tertulia.usecases.ports.realtime import Envelope

    key = frame_key(SECRET, "01JD5ZB0DEPLOYMENT0000000A")
    frame = json.dumps(
        {"type": "message.created", "id": 1, "data": {"text": "hola, ¿qué tal? " * 4}}
    )
    batches = [
        [
            Envelope(i + n, "message.created", ("ch:01JD5ZB0CHANNE10000000000A",), frame)
            for n in range(batch)
        ]
        for i in range(0, events, batch)
    ]
    start = time.perf_counter()
    payloads = [encode(envelopes, key) for envelopes in batches]
    for payload in payloads:
        decode(payload, key)
    both = time.perf_counter() - start
    start = time.perf_counter()
    for payload in payloads:  # the MAC alone: once to sign, once to check
        hmac.digest(key, payload[32:], hashlib.sha256)
        hmac.digest(key, payload[32:], hashlib.sha256)
    mac = time.perf_counter() - start
    return {
        "events": events,
        "batch": batch,
        "us_per_event": round(both / events * 1e6, 3),
        "mac_us_per_event": round(mac / events * 1e6, 3),
    }


# main --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--only-big", action="store_true", help="the big channel alone")
    parser.add_argument(
        "--repeat", type=int, default=3, help="saturation runs, ours and the ceiling's (median)"
    )
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--broker", help="TERTULIA_BROKER_URL for the server (memory:// if unset)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "fanout.json")
    args = parser.parse_args()
    server_core = None if args.no_pin else 0
    if not args.no_pin:
        os.sched_setaffinity(0, {1})
    raise_fd_limit()
    results: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds")}

    results["no_recipient"] = no_recipient()
    print(f"no local recipient: {results['no_recipient']['us_per_event']} µs/event", flush=True)
    results["broker_wire"] = wire = broker_wire()
    print(
        f"Redis wire form: {wire['us_per_event']} µs/event to sign and encode, check and"
        f" decode (the MAC: {wire['mac_us_per_event']} µs)",
        flush=True,
    )

    people = args.members if args.skip_big else max(args.members, args.big)
    with tempfile.TemporaryDirectory(prefix="tertulia-fanout-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite+aiosqlite:///{workdir}/fanout.db"
        started = time.perf_counter()
        channel, tokens = run(seed(url, people))
        print(f"seeded {people} accounts in {time.perf_counter() - started:.0f} s", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERTULIA_")}
        port = free_port()
        env.update(
            TERTULIA_DATABASE_URL=url,
            TERTULIA_DATA_DIR=str(workdir),
            TERTULIA_JWT_SECRET=SECRET,
            TERTULIA_PORT=str(port),
            TERTULIA_LOG_LEVEL="warning",
            # a sender posts as fast as the bench asks: fan-out is measured here, not limits
            TERTULIA_RATE_LIMITS=json.dumps(
                {"write": "off", "message.post": "off", "message.post_in_channel": "off"}
            ),
        )
        if args.broker:
            results["broker"] = args.broker
            # a channel of this run's own: nothing else on that Redis hears it, nor it them
            env.update(
                TERTULIA_BROKER_URL=args.broker,
                TERTULIA_BROKER_CHANNEL=f"tertulia-bench:{secrets.token_hex(8)}",
            )
        ours = [*pinned(server_core), sys.executable, "-m", "tertulia", "serve"]
        with serving(ours, env, port, workdir / "server.log") as pid:
            members = tokens[: args.members]
            if args.only_big:
                results["big"] = run(big(port, pid, tokens[: args.big], channel, args.seconds))
                print("big:", results["big"], flush=True)
                return
            results["target"] = run(target(port, pid, members, channel, args.rate, args.seconds))
            print("target:", results["target"], flush=True)
            results["saturation"] = median_of(
                args.repeat,
                lambda: run(saturation(port, pid, members, channel, args.seconds, bare=False)),
            )
            print("saturation:", results["saturation"], flush=True)
            if not args.skip_big:
                results["big"] = run(big(port, pid, tokens[: args.big], channel, args.seconds))
                print("big:", results["big"], flush=True)

        bare_port = free_port()
        bare = [
            *pinned(server_core),
            sys.executable,
            "-m",
            "uvicorn",
            "bare_ws:app",
            "--app-dir",
            str(ROOT / "bench"),
            "--port",
            str(bare_port),
            "--ws",
            "wsproto",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with serving(bare, dict(os.environ), bare_port, workdir / "bare.log") as bare_pid:
            size = results["saturation"]["frame_bytes"]
            results["ceiling"] = median_of(
                args.repeat,
                lambda: run(
                    saturation(
                        bare_port, bare_pid, members, channel, args.seconds, bare=True, size=size
                    )
                ),
            )
        print("ceiling:", results["ceiling"], flush=True)

    share = results["saturation"]["deliveries_per_s"] / max(
        1, results["ceiling"]["deliveries_per_s"]
    )
    results["share_of_ceiling"] = round(share, 3)
    t = results["target"]
    print()
    c, sat = results["ceiling"], results["saturation"]
    print(
        f"ceiling (bare fan-out): {c['deliveries_per_s']} deliveries/s"
        f" (runs {c['runs_deliveries_per_s']}, server CPU {c['server_cpu']:.0%},"
        f" load generator CPU {c['loadgen_cpu']:.0%})"
    )
    print(
        f"tertulia saturated:     {sat['deliveries_per_s']} deliveries/s"
        f" ({share:.0%} of the ceiling; runs {sat['runs_deliveries_per_s']},"
        f" server CPU {sat['server_cpu']:.0%}, load generator CPU {sat['loadgen_cpu']:.0%})"
    )
    print(
        f"target {t['members']} members x {t['rate']:g} msg/s:"
        f" {t['deliveries_per_s']} deliveries/s,"
        f" p50 {t['p50_ms']} ms p95 {t['p95_ms']} ms p99 {t['p99_ms']} ms,"
        f" not delivered {t['not_delivered']}, load generator CPU {t['loadgen_cpu']:.0%}"
    )
    if "big" in results:
        b = results["big"]
        print(
            f"{b['members']}-member channel: last recipient p50 {b['last_recipient_p50_ms']} ms"
            f" p99 {b['last_recipient_p99_ms']} ms; idle {b['idle_kib_per_connection']} KiB per"
            f" connection; not delivered {b['not_delivered']}"
        )
    print(f"no local recipient: {results['no_recipient']['us_per_event']} µs per event")
    print(
        f"Redis wire form: {wire['us_per_event']} µs per event, of which the MAC"
        f" {wire['mac_us_per_event']} µs"
    )
    out = args.out
    out.parent.mkdir(exist_ok=True, parents=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
