"""Shared by the HTTP benchmarks: the real app under uvicorn in a separate process, and
keep-alive connections driving it for a fixed time against a floor route.

The server (`python benchmarks/_http.py --serve-on PORT`) is the app `create_app` builds
from REMPART_* settings, with two changes on its own app object only, never on the
product: the unthrottled shield (the default budget would refuse almost every request of
a benchmark), and `POST /bench/bare`, an `async def` returning a constant, so the floor
pays the same HTTP parsing, middlewares (request id, security headers), JSON response and
client cost as any route, and nothing else. It is the first route tried: its routing is
the least any route pays (the product's routes are tried router by router, the busiest
first). /healthz reads the database and /static goes through StaticFiles' async file
path: both would measure something else.

Three more routes on the same app object, tried next, measure where a rights check's
server CPU goes, a layer at a time (`STAGES`; each an `async def` answering a constant
JSON body, as the check answers with bytes it serialised itself): `/bench/body` takes
the check's body model (`RightsCheckIn`), `/bench/auth` that and the check's
authenticated actor (`Checker`), `/bench/uow` those and an empty unit of work run as the
check runs its own (`database_work`: connection, commit). The product's routes are tried
after these four, a few microseconds of routing more than after the bare route alone.

The load generator is deliberately lean (see `drive`): on a 2-core machine it shares the
cores with the server, and what it spends is taken from the server."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path

import httpx
from fastapi import Request, Response

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median
from _world import UNTHROTTLED, watching_shield
from rempart.deps import database_work, platform_of
from rempart.rights.api import Checker, RightsCheckIn
from rempart.settings import Settings
from rempart.shield.port import FixedBudgetShield

BARE = "/bench/bare"
# The layers of a rights check, each route adding one to the one before: (name, path).
STAGES = (
    ("stage_body", "/bench/body"),
    ("stage_auth", "/bench/auth"),
    ("stage_uow", "/bench/uow"),
)
# Routes whose answer is a constant: only their status is checked.
CONSTANT = frozenset({BARE, *(path for _, path in STAGES)})
# The warm-up of the routes `against_bare` drives `also`: the main route's own warm-up
# has already run the code they share with it.
SHORT_WARM_UP_S = 0.1
# Which shield the server's app gets: the unthrottled fixed budget (the default), or
# `watching`, the app's own shield unthrottled and never climbing (_world.watching_shield).
SHIELD_VARIABLE = "REMPART_BENCH_SHIELD"
WATCHING = "watching"

# What one request sends and expects: the JSON body, its own headers (an Idempotency-Key),
# and bytes its answer must hold (None: any success). Given (client number, request
# number within that client's run).
Sent = tuple[dict[str, object], dict[str, str], bytes | None]
Requests = Callable[[int, int], Sent]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, default=None, help="seconds an HTTP run")
    parser.add_argument("--clients", type=int, default=8, help="HTTP client threads")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _constant() -> Response:
    return Response(b'{"ok":true}', media_type="application/json")


async def _body(body: RightsCheckIn) -> Response:
    return _constant()


async def _auth(body: RightsCheckIn, actor: Checker) -> Response:
    return _constant()


async def _uow(body: RightsCheckIn, actor: Checker, http: Request) -> Response:
    def work() -> None:
        with platform_of(http).uow() as uow:
            uow.connection()
            uow.commit()

    await database_work(http, work)
    return _constant()


def serve(port: int) -> None:
    """The server process: the real app, the unthrottled shield, the bare floor route and
    the stages on this app object only, one uvicorn worker (as `rempart serve` runs it)."""
    import uvicorn

    from rempart.app import create_app

    app = create_app(Settings())
    app.state.shield.close()
    if os.environ.get(SHIELD_VARIABLE) == WATCHING:
        app.state.shield = watching_shield(app.state.platform)
    else:
        app.state.shield = FixedBudgetShield(UNTHROTTLED)

    async def bare() -> dict[str, bool]:
        return {"ok": True}

    body, auth, uow = (path for _, path in STAGES)
    routes: list[tuple[str, Callable[..., object]]] = [
        (BARE, bare),
        (body, _body),
        (auth, _auth),
        (uow, _uow),
    ]
    # Each moved to the front, the last first: bare is tried first (the least routing),
    # then the stages in order, then the product's routes.
    for path, route in reversed(routes):
        app.add_api_route(path, route, methods=["POST"])
        app.router.routes.insert(0, app.router.routes.pop())
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, http="httptools"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """The app of `settings` (its home and database) served in a child process."""

    def __init__(self, settings: Settings, log: Path, *, shield: str = "") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            **os.environ,
            "REMPART_ENV": "development",  # plain http on localhost
            "REMPART_HOME": str(settings.home),
            "REMPART_DATABASE_URL": str(settings.database_url),
            SHIELD_VARIABLE: shield,
        }
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--serve-on", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
            try:
                if httpx.post(self.base + BARE, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def cpu_seconds(self) -> float:
        """CPU the server process has used so far (Linux; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def drive(
    server: Server,
    path: str,
    requests: Requests,
    *,
    headers: dict[str, str],
    clients: int,
    seconds: float,
) -> dict[str, float]:
    """`clients` keep-alive connections, each posting `requests` one after another for
    `seconds`; every answer is checked (on the routes answering a constant, only its
    status).

    The clients are coroutines on one event loop writing raw HTTP/1.1: about 0.05 ms of
    CPU a request, where httpx in threads took about 1 ms, more than the server's bare
    route. On a 2-core machine shared with the server, the load generator's own cost
    would otherwise be most of what either route measures."""
    cpu_before = server.cpu_seconds()
    latencies, errors, elapsed = _run_loop(
        _clients(server.port, path, requests, headers, clients, seconds)
    )
    cpu = server.cpu_seconds() - cpu_before
    done = [ms for mine in latencies for ms in mine]
    return {
        "per_s": len(done) / elapsed,
        "server_cpu_ms": cpu * 1000 / max(1, len(done) + errors),
        "p50_ms": percentile(done, 0.5) if done else float("nan"),
        "p99_ms": percentile(done, 0.99) if done else float("nan"),
        "errors": float(errors),
    }


def _run_loop(work: Coroutine[None, None, _Outcome]) -> _Outcome:
    try:
        import uvloop
    except ImportError:  # the server's own loop; without it, asyncio's
        return asyncio.run(work)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(work)


_Outcome = tuple[list[list[float]], int, float]


async def _clients(
    port: int,
    path: str,
    requests: Requests,
    headers: dict[str, str],
    clients: int,
    seconds: float,
) -> _Outcome:
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(clients)]
    common = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{common}"
    constant = path in CONSTANT
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    ends = [0.0] * clients
    start = time.perf_counter()
    deadline = start + seconds

    async def client(number: int) -> None:
        reader, writer = connections[number]
        mine, i = latencies[number], 0
        while True:
            body, own_headers, expected = requests(number, i)
            i += 1
            payload = json.dumps(body, separators=(",", ":")).encode()
            extra = "".join(f"{name}: {value}\r\n" for name, value in own_headers.items())
            request = (
                f"{head}{extra}content-type: application/json\r\n"
                f"content-length: {len(payload)}\r\n\r\n"
            ).encode() + payload
            t0 = time.perf_counter()
            writer.write(request)
            status, content = await _answer(reader)
            t1 = time.perf_counter()
            ok = 200 <= status < 300 and (constant or expected is None or expected in content)
            if ok:
                mine.append((t1 - t0) * 1000)
            else:
                errors[number] += 1
            if t1 >= deadline:
                ends[number] = t1
                writer.close()
                return

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, sum(errors), max(ends) - start


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 answer: its status and body (the server always sends a length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line[15:])
    if length is None:
        raise RuntimeError("an answer without content-length: this client cannot read it")
    return status, await reader.readexactly(length)


def against_bare(
    settings: Settings,
    scratch: Path,
    *,
    name: str,
    path: str,
    requests: Callable[[], Requests],
    headers: dict[str, str],
    clients: int,
    seconds: float,
    repeats: int,
    shield: str = "",
    floor: bool = True,
    also: Sequence[tuple[str, str]] = (),
) -> dict[str, float]:
    """`path` and the bare floor on one server, alternately, `repeats` times each after a
    second's warm-up of both; `requests()` gives each run its own requests. Figures are
    `http_bare_*` and `http_<name>_*`: medians of the runs, failed answers summed.
    `shield`: see SHIELD_VARIABLE; without `floor`, `path` alone. `also`: more (name,
    path) driven the same way between the floor and `path` (`STAGES`, say), figures
    `http_<name>_*`, each after a short warm-up only, once `path` has had its own (what
    they run, `path` runs too)."""
    runs: dict[str, list[float]] = {}
    server = Server(settings, scratch / f"server-{time.monotonic_ns()}.log", shield=shield)
    targets = (*((("bare", BARE),) if floor else ()), *also, (name, path))
    try:
        # warm-up: connections, imports, caches
        full = [(target, 1.0) for label, target in targets if (label, target) not in also]
        short = [(target, SHORT_WARM_UP_S) for _, target in also]
        for target, warm_up in full + short:
            drive(server, target, requests(), headers=headers, clients=clients, seconds=warm_up)
        for _ in range(repeats):
            for label, target in targets:
                measured = drive(
                    server, target, requests(), headers=headers, clients=clients, seconds=seconds
                )
                for key, value in measured.items():
                    runs.setdefault(f"http_{label}_{key}", []).append(value)
    finally:
        server.stop()
    return {
        key: (sum(values) if key.endswith("errors") else median(values))
        for key, values in runs.items()
    }


def summary(
    backend: str, figures: dict[str, float], name: str, unit: str, *, clients: int, seconds: float
) -> str:
    """One line: `name` against the bare route, from `against_bare`'s figures."""
    f = figures
    ratio = f[f"http_{name}_per_s"] / f["http_bare_per_s"]
    return (
        f"{backend} over HTTP ({clients} clients, {seconds:g} s a run): "
        f"{f[f'http_{name}_per_s']:,.0f} {unit}/s (p50 {f[f'http_{name}_p50_ms']:.1f} ms, "
        f"p99 {f[f'http_{name}_p99_ms']:.1f} ms), bare endpoint floor "
        f"{f['http_bare_per_s']:,.0f}/s (p50 {f['http_bare_p50_ms']:.1f} ms, p99 "
        f"{f['http_bare_p99_ms']:.1f} ms), ratio {ratio:.2f}; server CPU a request "
        f"{f[f'http_{name}_server_cpu_ms']:.2f} ms ({name}) and "
        f"{f['http_bare_server_cpu_ms']:.2f} ms (bare); failed answers "
        f"{f[f'http_{name}_errors'] + f['http_bare_errors']:.0f}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] != ["--serve-on"] or len(sys.argv) != 3:
        sys.exit("usage: _http.py --serve-on PORT (started by the HTTP benchmarks)")
    serve(int(sys.argv[2]))
