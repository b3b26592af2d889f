"""Petition load, scale and fault benchmarks (figures in docs/benchmarks.md, "Petitions").

    .venv/bin/python bench/petitions_load.py                    # sign, read, dup, kill, pg
    .venv/bin/python bench/petitions_load.py --stages big       # 2,000,000 signatures
    .venv/bin/python bench/petitions_load.py --stages sign --duration 20 --server gunicorn --workers 4 --threads 4

What it runs: the project under production settings (DJANGO_ENV=production, DEBUG off,
collected static files) in granian (2 workers × 3 threads, as README deploys it; `--server
gunicorn` for gthread workers) on 127.0.0.1:8211, on a throw-away
PostgreSQL cluster of its own ("bench", port 5433, created if missing, so that stopping it
never touches a shared database) and Redis (db 11) as the cache; `wrk` (Debian package)
as the load generator for throughput, a small threaded http.client generator for the
fault runs (it must log which email each acknowledged response was for).

Stages:
- sign: the baseline insert view (bench/petitions_urls.py), then the real signing endpoint,
  same connections and duration: requests/s, p50/p99, ratio. Then the confirmation
  emails are produced by the real task and the confirmation endpoint is loaded.
- read: the petition page for anonymous visitors, with a writer confirming one signature a
  second, and a poller measuring how stale the shown count is; directly against the server,
  then through nginx (Debian package `nginx`, `apt-get install nginx`) configured with the
  cache rules of `deploy/nginx/` on 127.0.0.1:8212.
- dup: 50 concurrent identical POSTs, five times: exactly one signature each.
- kill: SIGKILL one web worker mid-load; acknowledged emails all in the database, once.
- pg: stop PostgreSQL (fast shutdown) mid-load, start it 3 s later; same check.
- big: 2,000,000 confirmed signatures bulk-inserted; petition page server time (cold and
  warm cache) and the CSV export streamed by one worker while its RSS is sampled.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
PG_VERSION = os.environ.get("BENCH_PG_VERSION", "15")
PG_CLUSTER = "bench"
PG_PORT = 5433
HOST = "127.0.0.1"
# Ports, database names and Redis db can be moved with BENCH_PORT, BENCH_NGINX_PORT,
# BENCH_DB and BENCH_REDIS_DB when something else uses the defaults.
PORT = int(os.environ.get("BENCH_PORT", "8211"))
NGINX_PORT = int(os.environ.get("BENCH_NGINX_PORT", str(PORT + 1)))
DB = os.environ.get("BENCH_DB", "terreau_petbench")
BIG_DB = DB + "_big"
REDIS_DB = os.environ.get("BENCH_REDIS_DB", "11")
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
CSRF = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
ORIGIN = f"https://{HOST}:{PORT}"
BASELINE_TABLE = "bench_baseline_signature"


def log(*args) -> None:
    print(*args, flush=True)


def sh(*cmd: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


# --- PostgreSQL: a throw-away cluster of our own ------------------------------------------


def pg_ctl(action: str) -> None:
    sh("pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_CLUSTER, action, check=action != "start")


def ensure_cluster() -> None:
    clusters = sh("pg_lsclusters", "--no-header").stdout
    if not any(line.split()[:2] == [PG_VERSION, PG_CLUSTER] for line in clusters.splitlines()):
        log(f"creating PostgreSQL cluster {PG_VERSION}/{PG_CLUSTER} on port {PG_PORT}")
        sh("pg_createcluster", PG_VERSION, PG_CLUSTER, "-p", str(PG_PORT), "--", "--auth=trust")
        for key, value in {"shared_buffers": "512MB", "max_connections": "200", "work_mem": "16MB"}.items():
            sh("pg_conftool", PG_VERSION, PG_CLUSTER, "set", key, value)
    pg_start()


def pg_start() -> None:
    pg_ctl("start")
    for _ in range(100):
        if sh("pg_isready", "-h", HOST, "-p", str(PG_PORT), check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("the bench PostgreSQL cluster did not start")


def psql(sql: str, db: str = "postgres") -> str:
    return sh("psql", "-h", HOST, "-p", str(PG_PORT), "-U", "postgres", "-d", db, "-Atq", "-c", sql).stdout.strip()


def recreate_db(name: str) -> None:
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name}")


def database_url(db: str) -> str:
    return f"postgres://postgres@{HOST}:{PG_PORT}/{db}"


# --- The project under production settings ------------------------------------------------


def bench_env(db: str, static_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.petitions_settings",
        DJANGO_ENV="production",
        DEBUG="False",
        SECRET_KEY="bench-" + secrets.token_hex(24),
        ALLOWED_HOSTS=f"{HOST},localhost,testserver",
        DATABASE_URL=database_url(db),
        CACHE_URL=REDIS_URL,
        STATIC_ROOT=str(static_root),
        SITE_URL=ORIGIN,
        EMAIL_URL="dummymail://",
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare_database(db: str, env: dict[str, str]) -> None:
    recreate_db(db)
    sh(PY, "manage.py", "migrate", "--noinput", cwd=ROOT, env=env)
    sh(PY, "manage.py", "load_territories", cwd=ROOT, env=env)
    psql(
        f"CREATE TABLE {BASELINE_TABLE} (id bigserial PRIMARY KEY, name varchar(100) NOT NULL, "
        "email varchar(254) NOT NULL UNIQUE, created_at timestamptz NOT NULL)",
        db,
    )
    # Fresh tables after bulk loads: plan with statistics, not index probes through dead rows.
    psql("VACUUM ANALYZE", db)


class Server:
    """granian (WSGI, blocking threads) or gunicorn (gthread) on HOST:PORT; workers × threads."""

    def __init__(self, env: dict[str, str], workers: int, threads: int, log_dir: Path, kind: str = "granian") -> None:
        self.env, self.workers, self.threads, self.kind = env, workers, threads, kind
        self.log_path = log_dir / f"{kind}.log"
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        if self.kind == "granian":
            return [
                str(Path(PY).with_name("granian")),
                "--interface=wsgi",
                f"--host={HOST}",
                f"--port={PORT}",
                f"--workers={self.workers}",
                f"--blocking-threads={self.threads}",
                "--backlog=2048",
                "--respawn-failed-workers",
                f"--working-dir={ROOT}",
                "--log-level=warning",
                "terreau.config.wsgi:application",
            ]
        return [
            GUNICORN,
            "terreau.config.wsgi:application",
            f"--bind={HOST}:{PORT}",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--worker-class=gthread",
            "--backlog=2048",
            "--keep-alive=30",
            "--timeout=30",
            "--graceful-timeout=5",
            f"--chdir={ROOT}",
        ]

    def start(self) -> None:
        cmd = self.command()
        with open(self.log_path, "a") as log_file:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=log_file, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                status, _body, _h = request("GET", "/sante/")
                if status == 200 and len(self.worker_pids()) == self.workers:
                    time.sleep(0.5)  # every worker finished importing
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.kind} did not start, see {self.log_path}")

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        out = sh("pgrep", "-P", str(self.proc.pid), check=False).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def warm(self, paths: list[str]) -> None:
        for _ in range(self.workers * self.threads * 3):
            for path in paths:
                request("GET", path)


class Proxy:
    """nginx on HOST:NGINX_PORT in front of the web server, with the cache rules shipped in deploy/nginx.

    The configuration is generated in the work dir around `deploy/nginx/terreau-maps.conf`
    and `terreau-proxy.conf` as they are; the one change is `X-Forwarded-Proto: https`, as
    behind the TLS terminator that nginx is in production (the bench speaks plain HTTP).
    """

    def __init__(self, work: Path, upstream_port: int, port: int) -> None:
        self.dir, self.upstream_port, self.port = work / "nginx", upstream_port, port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        deploy = ROOT / "deploy" / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        for sub in ("cache", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.dir / sub).mkdir(exist_ok=True)
            os.chmod(self.dir / sub, 0o777)  # nginx workers run as nobody when started by root
        os.chmod(self.dir, 0o755)
        os.chmod(self.dir.parent, 0o755)
        rules = (deploy / "terreau-proxy.conf").read_text()
        rules = rules.replace("X-Forwarded-Proto $scheme", "X-Forwarded-Proto https")
        (self.dir / "terreau-proxy.conf").write_text(rules)
        d = self.dir
        (d / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
    include {deploy}/terreau-maps.conf;
    proxy_cache_path {d}/cache levels=1:2 keys_zone=terreau:20m max_size=256m inactive=10m use_temp_path=off;
    upstream terreau {{ server {HOST}:{self.upstream_port}; keepalive 32; }}
    server {{
        listen {HOST}:{self.port};
        location / {{ include {d}/terreau-proxy.conf; }}
    }}
}}
"""
        )
        test = sh("nginx", "-t", "-p", str(d), "-c", str(d / "nginx.conf"), check=False)
        if test.returncode != 0:
            raise RuntimeError(test.stderr)
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(d), "-c", str(d / "nginx.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(100):
            try:
                if request("GET", "/sante/", port=self.port)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"nginx did not start, see {d / 'error.log'}")

    def pids(self) -> list[int]:
        assert self.proc is not None
        return [self.proc.pid, *(int(p) for p in sh("pgrep", "-P", str(self.proc.pid), check=False).stdout.split())]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def request(
    method: str,
    path: str,
    body: dict | None = None,
    headers: dict | None = None,
    conn=None,
    timeout: float = 10,
    port: int | None = None,
) -> tuple[int, bytes, http.client.HTTPMessage]:
    """One request; the headers answer case-insensitively (granian sends lower-case names)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port or PORT, timeout=timeout)
    all_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "fr", **(headers or {})}
    data = None
    if body is not None:
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": CSRF, **body})
        all_headers.update(
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"__Host-csrftoken={CSRF}; " + all_headers.get("Cookie", ""),
                "Origin": ORIGIN,
                "Referer": ORIGIN + path,
            }
        )
    try:
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        payload = response.read()
        return response.status, payload, response.headers
    finally:
        if own:
            conn.close()


# --- CPU accounting (independent of what else the machine runs) --------------------------


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server: Server, proxy: Proxy | None = None) -> dict[str, dict[int, float]]:
    """CPU seconds used so far by the web workers, the bench cluster's backends and nginx."""
    postmaster = int(Path(f"/var/lib/postgresql/{PG_VERSION}/{PG_CLUSTER}/postmaster.pid").read_text().split()[0])
    backends = [int(p) for p in sh("pgrep", "-P", str(postmaster), check=False).stdout.split()]
    snapshot = {
        "web": {pid: _cpu_of(pid) for pid in server.worker_pids()},
        "db": {pid: _cpu_of(pid) for pid in [postmaster, *backends]},
    }
    if proxy is not None:
        snapshot["proxy"] = {pid: _cpu_of(pid) for pid in proxy.pids()}
    return snapshot


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    return {
        group: sum(max(0.0, cpu - before[group].get(pid, 0.0)) for pid, cpu in after[group].items()) for group in after
    }


def measured(server: Server, run, proxy: Proxy | None = None) -> tuple[dict, dict[str, float]]:
    """Run `run()` (a wrk call) and return its result with the CPU ms per request it cost."""
    before = cpu_snapshot(server, proxy)
    result = run()
    used = cpu_used(before, cpu_snapshot(server, proxy))
    good = result.get("redirects", result.get("ok", 0)) or 1
    per_request = {f"{group}_cpu_ms": seconds * 1000 / good for group, seconds in used.items()}
    result.update(per_request)
    return result, per_request


def fmt_cpu(result: dict) -> str:
    web, db, proxy = result.get("web_cpu_ms", 0.0), result.get("db_cpu_ms", 0.0), result.get("proxy_cpu_ms")
    total = web + db + (proxy or 0.0)
    nginx = f" + nginx {proxy:.3f} ms" if proxy is not None else ""
    return (
        f"CPU per request: web {web:.3f} ms + PostgreSQL {db:.3f} ms{nginx} = {total:.3f} ms "
        f"-> {2000 / max(total, 1e-6):.0f}/s if 2 cores did only this"
    )


# --- wrk ----------------------------------------------------------------------------------


def wrk(
    script: str, path: str, args: list[str], *, duration: int, connections: int, threads: int = 2, port: int = 0
) -> dict:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout=10s",
        "-s",
        str(ROOT / "bench" / script),
        f"http://{HOST}:{port or PORT}{path}",
    ]
    if args:
        cmd += ["--", *args]
    out = sh(*cmd, env={**os.environ, "WRK_THREADS": str(threads)}).stdout
    match = re.search(r"WRKJSON (\{.*\})", out)
    if not match:
        raise RuntimeError(out)
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def fmt(result: dict, good_key: str) -> str:
    good = result[good_key] / (result["duration_us"] / 1e6)
    errors = result["other_status"] + result["connect_errors"] + result["read_errors"] + result["timeouts"]
    return (
        f"{result['requests']:>7} requests, {good:8.1f} ok/s, p50 {result['p50_ms']:6.1f} ms, "
        f"p90 {result['p90_ms']:6.1f} ms, p99 {result['p99_ms']:6.1f} ms, max {result['max_ms']:7.1f} ms, "
        f"errors {errors}"
    )


# --- Fixtures (ORM, in this process) ------------------------------------------------------


def make_petition(slug: str):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from terreau.petitions import services
    from terreau.petitions.models import CounterShard, Petition, PetitionType
    from terreau.processes.models import Institution

    institution, _ = Institution.objects.get_or_create(
        slug="ministere-bench", defaults={"name": "Ministère de la Transition (banc d'essai)", "kind": "ministry"}
    )
    email = f"autrice-{slug}@bench-petitions.example"
    author = get_user_model().objects.create_user(
        email=email, password=secrets.token_hex(16), display_name="Autrice du banc d'essai", kind="citizen"
    )
    EmailAddress.objects.create(user=author, email=email, verified=True, primary=True)
    kind, _ = PetitionType.objects.get_or_create(
        institution=institution,
        name="Pétition nationale",
        defaults={"answer_threshold": 100_000, "answer_days": 90, "escalation_threshold": 500_000},
    )
    petition = Petition.objects.create(
        slug=slug,
        title="Interdire le chalutage profond dans les eaux françaises",
        demand="Nous demandons l'interdiction du chalutage en eaux profondes au-delà de 800 mètres.",
        context="Le chalutage profond détruit des écosystèmes fragiles.",
        context_html="<p>Le chalutage profond détruit des écosystèmes fragiles.</p>",
        author=author,
        institution=institution,
        petition_type=kind,
        status="open",
        published_at=timezone.now(),
    )
    CounterShard.objects.bulk_create([CounterShard(petition=petition, shard=i) for i in range(services.shard_count())])
    return petition, author


def drain_confirmation_tasks(limit: int) -> tuple[list[str], float]:
    """Run the real batch sender (send_pending_confirmations) until every pending signature
    has its email; return the confirmation tokens.

    The mail backend is the in-memory one here: the tokens are read back from the emails.
    """
    from django.core import mail
    from django.test import override_settings

    from terreau.petitions import tasks

    mail.outbox = []
    started = time.perf_counter()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
    ):
        while tasks.send_pending_confirmations.call() and len(mail.outbox) < limit:
            pass
    elapsed = time.perf_counter() - started
    tokens = []
    for message in mail.outbox:
        match = re.search(r"/petitions/confirmer/([A-Za-z0-9_\-]+)/", message.body)
        if match:
            tokens.append(match.group(1))
    return tokens, elapsed


# --- Python load generator for the fault runs ---------------------------------------------


class Signer:
    """N threads POSTing unique signatures on keep-alive connections; logs what was acknowledged."""

    def __init__(self, slug: str, prefix: str, threads: int = 12) -> None:
        self.path = f"/petitions/{slug}/signer/"
        self.prefix, self.n = prefix, threads
        self.acked: list[str] = []
        self.failures: list[tuple[float, str]] = []
        self.successes: list[float] = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []

    def _run(self, tid: int) -> None:
        conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
        i = 0
        while not self.stop_event.is_set():
            i += 1
            email = f"{self.prefix}-{tid}-{i}@d{i % 50}.bench-petitions.example"
            body = {"name": f"Fault {tid} {i}", "email": email, "postcode": "75011"}
            xff = f"10.{i % 250}.{tid}.{i // 250 % 250 + 1}"
            try:
                status, _b, headers = request("POST", self.path, body, {"X-Forwarded-For": xff}, conn=conn)
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.failures.append((time.monotonic(), type(exc).__name__))
                conn.close()
                conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
                time.sleep(0.05)
                continue
            now = time.monotonic()
            with self.lock:
                if status in (302, 303) and headers.get("Location", "").endswith("/signer/merci/"):
                    self.acked.append(email)
                    self.successes.append(now)
                else:
                    self.failures.append((now, str(status)))
            if status >= 500:
                conn.close()
                conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
        conn.close()

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._run, args=(t,), daemon=True) for t in range(self.n)]
        for t in self.threads:
            t.start()

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(30)


def check_acknowledged(petition_id: int, acked: list[str], prefix: str) -> dict:
    from django.db import close_old_connections, connection

    close_old_connections()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email_normalized, count(*) FROM petitions_signature WHERE petition_id = %s "
            "AND email_normalized LIKE %s GROUP BY email_normalized",
            [petition_id, prefix + "-%"],
        )
        stored = dict(cursor.fetchall())
    missing = [e for e in acked if e not in stored]
    twice = [e for e, n in stored.items() if n > 1]
    return {
        "acknowledged": len(acked),
        "acknowledged_distinct": len(set(acked)),
        "stored_this_run": len(stored),
        "missing": len(missing),
        "duplicates": len(twice),
    }


def fault_run(slug: str, petition_id: int, kind: str, server: Server, duration: float) -> dict:
    prefix = f"{kind}-{secrets.token_hex(3)}"
    signer = Signer(slug, prefix)
    signer.start()
    time.sleep(duration / 3)
    fault_at = time.monotonic()
    restored_at = fault_at
    if kind == "kill":
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        log(f"  killed worker {victim}")
    else:
        pg_ctl("stop")
        log("  PostgreSQL stopped (fast shutdown)")
        time.sleep(3)
        pg_start()
        restored_at = time.monotonic()
        log("  PostgreSQL started again")
    time.sleep(max(1.0, duration * 2 / 3 - (restored_at - fault_at)))
    signer.stop()
    after = [t for t in signer.successes if t > restored_at]
    recovery = (min(after) - restored_at) if after else float("nan")
    failures = [f for f in signer.failures if f[0] >= fault_at - 1]
    kinds: dict[str, int] = {}
    for _t, what in signer.failures:
        kinds[what] = kinds.get(what, 0) + 1
    result = check_acknowledged(petition_id, signer.acked, prefix)
    result.update(
        {
            "failed_requests": len(signer.failures),
            "failed_near_fault": len(failures),
            "failure_kinds": kinds,
            "first_success_after_restore_s": round(recovery, 2),
        }
    )
    return result


# --- Stages -------------------------------------------------------------------------------


def stage_sign(slug: str, petition_id: int, args, server: Server) -> dict:
    from terreau.petitions.models import Signature

    prefix = secrets.token_hex(3)
    out = {}
    # Warm-up: every worker thread opens its connections and loads its lookups.
    for mode, path in (("baseline", "/bench/baseline/"), ("sign", f"/petitions/{slug}/signer/")):
        wrk(
            "petitions_post.lua",
            path,
            [mode, path, "w" + prefix, CSRF, ORIGIN],
            duration=3,
            connections=args.connections,
        )
    log(f"load average before the runs: {os.getloadavg()[0]:.1f}")
    log(f"baseline insert view, {args.connections} connections, {args.duration} s")
    base, _cpu = measured(
        server,
        lambda: wrk(
            "petitions_post.lua",
            "/bench/baseline/",
            ["baseline", "/bench/baseline/", "b" + prefix, CSRF, ORIGIN],
            duration=args.duration,
            connections=args.connections,
        ),
    )
    log("  " + fmt(base, "redirects"))
    log("  " + fmt_cpu(base))
    before = Signature.objects.filter(petition_id=petition_id).count()
    log(f"signing endpoint, {args.connections} connections, {args.duration} s")
    sign, _cpu = measured(
        server,
        lambda: wrk(
            "petitions_post.lua",
            f"/petitions/{slug}/signer/",
            ["sign", f"/petitions/{slug}/signer/", "s" + prefix, CSRF, ORIGIN],
            duration=args.duration,
            connections=args.connections,
        ),
    )
    log("  " + fmt(sign, "redirects"))
    log("  " + fmt_cpu(sign))
    stored = Signature.objects.filter(petition_id=petition_id).count() - before
    suspicious = Signature.objects.filter(petition_id=petition_id, suspicious=True).count()
    base_ok = base["redirects"] / (base["duration_us"] / 1e6)
    sign_ok = sign["redirects"] / (sign["duration_us"] / 1e6)
    log(f"  stored signatures {stored} (acknowledged {sign['redirects']}), marked suspicious {suspicious}")
    log(f"  ratio signing / baseline: {sign_ok / base_ok:.2f}")
    out.update(baseline=base, sign=sign, ratio=sign_ok / base_ok, stored=stored, suspicious=suspicious)

    limit = int(sign_ok * args.duration * 1.2) + 500
    tokens, elapsed = drain_confirmation_tasks(limit)
    log(
        f"confirmation emails (send_pending_confirmations batch task, in-process): {len(tokens)} in {elapsed:.1f} s "
        f"= {len(tokens) / elapsed:.0f}/s"
    )
    out["emails_per_s"] = len(tokens) / elapsed
    token_file = Path(args.tmp) / "tokens.txt"
    token_file.write_text("\n".join(tokens) + "\n")
    log(f"confirmation endpoint (POST), {args.connections} connections, up to {args.duration} s")
    confirm, _cpu = measured(
        server,
        lambda: wrk(
            "petitions_confirm.lua",
            "/petitions/confirmer/x/",
            [str(token_file), CSRF, ORIGIN],
            duration=args.duration,
            connections=args.connections,
        ),
    )
    log("  " + fmt(confirm, "redirects"))
    log("  " + fmt_cpu(confirm))
    time.sleep(1)  # requests still in flight when wrk stopped
    confirmed = Signature.objects.filter(petition_id=petition_id, confirmed_at__isnull=False).count()
    counted = Signature.objects.filter(petition_id=petition_id, counted=True).count()
    from terreau.petitions import services

    shards = services.exact_count(petition_id)
    log(f"  confirmed {confirmed} of {stored} stored, counted {counted}, shard sum {shards}")
    out.update(confirm=confirm, confirmed=confirmed, counted=counted, shard_sum=shards)
    return out


def displayed_count(html: str) -> int | None:
    match = re.search(r'<p class="count"><strong>([^<]+)</strong>', html)
    return int(re.sub(r"\D", "", match.group(1)) or 0) if match else None


def stage_read(slug: str, petition_id: int, args, server: Server, proxy: Proxy | None = None) -> dict:
    """Read storm with a writer confirming a signature a second and a staleness poller.

    Directly against the web server, or through nginx (`proxy`) with its response cache.
    """
    from django.utils import timezone

    from terreau.petitions import services
    from terreau.petitions.models import Signature

    port = proxy.port if proxy else PORT
    path = f"/petitions/{slug}/"
    status, body, headers = request("GET", path, port=port)
    log(
        f"petition page via {'nginx' if proxy else args.server}: {status}, {len(body)} bytes, "
        f"Cache-Control: {headers.get('Cache-Control')!r}, Vary: {headers.get('Vary')!r}, "
        f"Set-Cookie: {'Set-Cookie' in headers}"
    )
    if proxy:
        request("GET", path, port=port)
        log(f"  X-Cache-Status of the second request: {request('GET', path, port=port)[2].get('X-Cache-Status')}")
    initial = displayed_count(body.decode())
    log(f"  displayed count {initial}, exact {services.exact_count(petition_id)}")
    stop = threading.Event()
    truth: list[tuple[float, int]] = []  # (when, exact count after a confirmation)
    seen: list[tuple[float, int | None]] = []

    def writer():
        i = 0
        while not stop.is_set():
            i += 1
            with_flags = Signature.objects.create(
                petition_id=petition_id,
                name=f"Lecteur {i}",
                email=f"read-{secrets.token_hex(4)}@exemple.fr",
                email_normalized=f"read-{secrets.token_hex(8)}@exemple.fr",
                email_domain="exemple.fr",
                abroad=True,
            )
            token, digest = services.new_token()
            Signature.objects.filter(pk=with_flags.pk).update(
                confirm_token_hash=digest, confirm_expires_at=timezone.now() + services.confirm_ttl()
            )
            services.confirm_signature(token)
            truth.append((time.monotonic(), services.exact_count(petition_id)))
            stop.wait(1.0)

    def poller():
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        while not stop.is_set():
            try:
                _s, page, _h = request("GET", path, conn=conn)
                seen.append((time.monotonic(), displayed_count(page.decode())))
            except (OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
            stop.wait(0.5)

    helpers = [threading.Thread(target=writer, daemon=True), threading.Thread(target=poller, daemon=True)]
    for t in helpers:
        t.start()
    log(f"read storm via {'nginx' if proxy else args.server}, {args.read_connections} connections, {args.duration} s")
    result, _cpu = measured(
        server,
        lambda: wrk(
            "petitions_get.lua", path, [], duration=args.duration, connections=args.read_connections, port=port
        ),
        proxy,
    )
    stop.set()
    for t in helpers:
        t.join(15)
    log("  " + fmt(result, "ok"))
    log("  " + fmt_cpu(result))
    # Staleness: for each poll, how long ago the displayed count became out of date.
    lags = []
    for when, shown in seen:
        if shown is None:
            continue
        newer = [t for t, exact in truth if t <= when and exact > shown]
        lags.append(when - min(newer) if newer else 0.0)
    max_lag = max(lags) if lags else float("nan")
    log(f"  count staleness over {len(lags)} polls: max {max_lag:.1f} s, mean {statistics.fmean(lags or [0]):.1f} s")
    return {"read": result, "max_stale_s": max_lag, "polls": len(lags), "writes": len(truth)}


def stage_dup(slug: str, petition_id: int) -> dict:
    from terreau.petitions.models import Signature

    outcomes = []
    for round_ in range(5):
        email = f"double-{round_}-{secrets.token_hex(4)}@exemple.fr"
        variants = [email, email.upper(), " " + email, email.replace("@", "@").title()]
        barrier = threading.Barrier(50)
        statuses: list[int] = []
        lock = threading.Lock()

        def post(i: int, variants=variants, barrier=barrier, statuses=statuses, lock=lock, round_=round_):
            conn = http.client.HTTPConnection(HOST, PORT, timeout=20)
            conn.connect()
            barrier.wait()
            try:
                status, _b, _h = request(
                    "POST",
                    f"/petitions/{slug}/signer/",
                    {"name": "Double", "email": variants[i % len(variants)], "postcode": "75011"},
                    {"X-Forwarded-For": f"192.0.2.{round_ + 1}"},
                    conn=conn,
                )
            except (OSError, http.client.HTTPException):
                status = 0
            with lock:
                statuses.append(status)
            conn.close()

        threads = [threading.Thread(target=post, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        rows = Signature.objects.filter(petition_id=petition_id, email_normalized=email.lower()).count()
        outcomes.append({"rows": rows, "statuses": sorted(set(statuses)), "n303": statuses.count(303)})
    log(
        f"50 concurrent identical POSTs × 5: rows {[o['rows'] for o in outcomes]}, "
        f"statuses {[o['statuses'] for o in outcomes]}"
    )
    return {"rounds": outcomes}


def run_load(args) -> None:
    static_root = Path(args.tmp) / "static"
    env = bench_env(DB, static_root)
    ensure_cluster()
    log(f"preparing database {DB} on port {PG_PORT} (migrate, territories, collectstatic)")
    prepare_database(DB, env)
    sh(PY, "manage.py", "collectstatic", "--noinput", cwd=ROOT, env=env)
    sh("redis-cli", "-n", REDIS_DB, "FLUSHDB")
    setup_django(env)
    slug = "chalutage-profond-banc-essai"
    petition, _author = make_petition(slug)
    server = Server(env, args.workers, args.threads, Path(args.tmp), args.server)
    server.start()
    results: dict = {"workers": args.workers, "threads": args.threads, "cpus": os.cpu_count()}
    try:
        server.warm([f"/petitions/{slug}/", f"/petitions/{slug}/signer/"])
        stages = args.stages.split(",")
        if "sign" in stages:
            results["sign"] = stage_sign(slug, petition.pk, args, server)
        if "read" in stages:
            results["read"] = stage_read(slug, petition.pk, args, server)
            if shutil.which("nginx") is None:
                log("nginx is not installed (apt-get install nginx): read storm through the proxy skipped")
            else:
                proxy = Proxy(Path(args.tmp), PORT, NGINX_PORT)
                proxy.start()
                try:
                    results["read_nginx"] = stage_read(slug, petition.pk, args, server, proxy)
                finally:
                    proxy.stop()
        if "dup" in stages:
            results["dup"] = stage_dup(slug, petition.pk)
        if "kill" in stages:
            log(f"fault: kill one of {args.workers} workers mid-load ({args.fault_duration} s)")
            results["kill"] = fault_run(slug, petition.pk, "kill", server, args.fault_duration)
            log(f"  {results['kill']}")
        if "pg" in stages:
            log(f"fault: stop/start PostgreSQL mid-load ({args.fault_duration} s)")
            results["pg"] = fault_run(slug, petition.pk, "pg", server, args.fault_duration)
            log(f"  {results['pg']}")
    finally:
        server.stop()
    (Path(args.tmp) / "results.json").write_text(json.dumps(results, indent=2, default=str))
    log(f"results: {Path(args.tmp) / 'results.json'}")


BIG_SLUG = "affaire-du-siecle-banc-essai"
SMALL_SLUG = "petition-moyenne-banc-essai"


def bulk_insert(petition_id: int, rows: int, db: str, chunk: int = 500_000) -> float:
    """`rows` confirmed, counted signatures spread over départements and 1,000 domains."""
    started = time.perf_counter()
    for start in range(1, rows + 1, chunk):
        end = min(rows, start + chunk - 1)
        psql(
            f"""
            WITH d AS (SELECT array_agg(code ORDER BY code) AS codes FROM territories_departement)
            INSERT INTO petitions_signature (petition_id, name, email, email_normalized, email_domain, postcode,
                abroad, show_name, notify_answer, created_at, confirmed_at, confirm_token_hash, withdraw_token_hash,
                suspicious, flags, counted, departement_id, ip_range, country)
            SELECT {petition_id}, 'Signataire ' || g, 'sig' || g || '@d' || (g % 1000) || '.exemple.fr',
                'sig' || g || '@d' || (g % 1000) || '.exemple.fr', 'd' || (g % 1000) || '.exemple.fr', '',
                false, g % 3 = 0, g % 2 = 0, now() - make_interval(secs => g),
                now() - make_interval(secs => g) + interval '1 minute', '', '', false, '[]'::jsonb, true,
                d.codes[1 + g % array_length(d.codes, 1)], '', ''
            FROM generate_series({start}, {end}) g, d
            """,
            db,
        )
        log(f"  inserted {end:,} / {rows:,} ({time.perf_counter() - started:.0f} s)")
    psql(f"UPDATE petitions_countershard SET count = 0 WHERE petition_id = {petition_id}", db)
    psql(f"UPDATE petitions_countershard SET count = {rows} WHERE petition_id = {petition_id} AND shard = 0", db)
    psql(f"UPDATE petitions_petition SET signature_count = {rows} WHERE id = {petition_id}", db)
    return time.perf_counter() - started


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def export_csv(slug: str, session_cookie: str, worker: int) -> dict:
    samples: list[int] = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            samples.append(rss_kb(worker))
            stop.wait(0.1)

    before = rss_kb(worker)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = http.client.HTTPConnection(HOST, PORT, timeout=600)
    started = time.perf_counter()
    conn.request(
        "GET", f"/petitions/{slug}/signatures.csv", headers={"X-Forwarded-Proto": "https", "Cookie": session_cookie}
    )
    response = conn.getresponse()
    first_byte = time.perf_counter() - started
    size = lines = 0
    while chunk := response.read(1 << 20):
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    conn.close()
    return {
        "status": response.status,
        "rows": lines - 1,
        "mb": size / 1e6,
        "seconds": elapsed,
        "first_byte_ms": first_byte * 1000,
        "rss_before_mb": before / 1024,
        "rss_peak_mb": max([*samples, before]) / 1024,
        "rss_after_mb": rss_kb(worker) / 1024,
    }


def time_page(client, path: str, *, flush: bool) -> float:
    from django.core.cache import cache

    if flush:
        cache.clear()
    started = time.perf_counter()
    response = client.get(path, secure=True)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed


def time_clusters(petition_id: int) -> dict:
    """The cluster rules over every signature of the petition: in Python over every row (the
    previous job) and grouped in SQL (`fraud.find_clusters_in_db`, the job now); same answer."""
    import resource

    from django.utils import timezone

    from terreau.petitions import fraud
    from terreau.petitions.models import Signature

    signatures = Signature.objects.filter(petition_id=petition_id, invalidated_at__isnull=True)
    now = timezone.now()
    out = {}
    for label in ("sql", "python"):  # SQL first: the Python run's peak RSS would hide its own
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        if label == "sql":
            clusters = fraud.find_clusters_in_db(signatures, now=now)
        else:
            rows = (
                fraud.SignatureRow(pk, created, fraud.ip_range(ip) if ip else "unknown", domain)
                for pk, created, ip, domain in signatures.values_list("pk", "created_at", "ip", "email_domain")
                .order_by()
                .iterator(chunk_size=5000)
            )
            clusters = fraud.find_clusters(rows, now=now)
        elapsed = time.perf_counter() - started
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        log(f"clusters ({label}): {elapsed:.1f} s, peak RSS +{grown:.0f} MB, {len(clusters)} clusters")
        out[label] = {"seconds": elapsed, "rss_growth_mb": grown, "clusters": [(c.kind, c.count) for c in clusters]}
    return out


def run_big(args) -> None:
    static_root = Path(args.tmp) / "static"
    env = bench_env(BIG_DB, static_root)
    ensure_cluster()
    existing = ""
    if args.reuse:
        existing = (
            psql(f"SELECT signature_count FROM petitions_petition WHERE slug = '{BIG_SLUG}'", BIG_DB)
            if BIG_DB in psql("SELECT datname FROM pg_database")
            else ""
        )
    fresh = existing != str(args.rows)
    if fresh:
        log(f"preparing database {BIG_DB} (migrate, territories)")
        prepare_database(BIG_DB, env)
    sh(PY, "manage.py", "migrate", "--noinput", cwd=ROOT, env=env)
    sh(PY, "manage.py", "collectstatic", "--noinput", cwd=ROOT, env=env)
    sh("redis-cli", "-n", REDIS_DB, "FLUSHDB")
    setup_django(env)
    from terreau.petitions.models import Petition

    if fresh:
        big, _author = make_petition(BIG_SLUG)
        small, _small_author = make_petition(SMALL_SLUG)
        log(f"bulk insert of {args.rows:,} confirmed signatures")
        seconds = bulk_insert(big.pk, args.rows, BIG_DB)
        bulk_insert(small.pk, args.rows // 10, BIG_DB)
        psql("VACUUM ANALYZE petitions_signature", BIG_DB)
        log(f"  {args.rows:,} rows in {seconds:.0f} s")
    big = Petition.objects.get(slug=BIG_SLUG)
    size = psql("SELECT pg_size_pretty(pg_total_relation_size('petitions_signature'))", BIG_DB)
    log(f"petitions_signature: {size} with indexes; load average {os.getloadavg()[0]:.1f}")

    from django.test import Client

    client = Client(HTTP_X_FORWARDED_PROTO="https")
    path = f"/petitions/{BIG_SLUG}/"
    cold = [time_page(client, path, flush=True) for _ in range(3)]
    warm = [time_page(client, path, flush=False) for _ in range(20)]
    log(f"petition page, in-process server time with {args.rows:,} signatures:")
    log(
        f"  caches flushed (count, départements, signers, page rendered): median {statistics.median(cold):.0f} ms "
        f"({', '.join(f'{c:.0f}' for c in cold)})"
    )
    log(f"  warm (cached): median {statistics.median(warm):.1f} ms, max {max(warm):.1f} ms")
    from django.db import connection

    with connection.cursor() as cursor:
        for label, sql in (
            ("count (sum of shards)", f"SELECT sum(count) FROM petitions_countershard WHERE petition_id = {big.pk}"),
            (
                "by département",
                "SELECT departement_id, count(*) FROM petitions_signature WHERE petition_id = "
                f"{big.pk} AND counted GROUP BY 1 ORDER BY 2 DESC",
            ),
            (
                "latest public signers",
                "SELECT name FROM petitions_signature WHERE petition_id = "
                f"{big.pk} AND counted AND show_name ORDER BY confirmed_at DESC, id DESC LIMIT 20",
            ),
        ):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            log(f"    query {label}: {(time.perf_counter() - started) * 1000:.0f} ms")
    page_times = {"cold_ms": cold, "warm_ms": warm}

    page_times["clusters"] = time_clusters(big.pk)
    if args.skip_export:
        (Path(args.tmp) / "results-big.json").write_text(json.dumps({"page": page_times}, indent=2))
        return
    from django.conf import settings

    cookies = {}
    for slug in (SMALL_SLUG, BIG_SLUG):
        session = Client()
        session.force_login(Petition.objects.get(slug=slug).author)
        cookies[slug] = f"{settings.SESSION_COOKIE_NAME}={session.cookies[settings.SESSION_COOKIE_NAME].value}"
    server = Server(env, 1, 1, Path(args.tmp), args.server)
    server.start()
    exports = {}
    try:
        worker = server.worker_pids()[0]
        request("GET", path)
        for slug in (SMALL_SLUG, BIG_SLUG):
            result = export_csv(slug, cookies[slug], worker)
            exports[slug] = result
            log(
                f"CSV export {slug}: {result['rows']:,} rows, {result['mb']:.0f} MB in {result['seconds']:.1f} s "
                f"(first byte {result['first_byte_ms']:.0f} ms), worker RSS {result['rss_before_mb']:.0f} MB before, "
                f"{result['rss_peak_mb']:.0f} MB peak, {result['rss_after_mb']:.0f} MB after"
            )
    finally:
        server.stop()
    (Path(args.tmp) / "results-big.json").write_text(json.dumps({"page": page_times, "exports": exports}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stages", default="sign,read,dup,kill,pg")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--fault-duration", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--read-connections", type=int, default=64)
    parser.add_argument("--rows", type=int, default=2_000_000, help="signatures for the big stage")
    parser.add_argument("--reuse", action="store_true", help="big stage: keep the database if already filled")
    parser.add_argument("--skip-export", action="store_true", help="big stage: page and clusters only")
    parser.add_argument("--drop-cluster", action="store_true", help="drop the bench PostgreSQL cluster at the end")
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    args.tmp = args.tmp or tempfile.mkdtemp(prefix="petbench-")
    log(f"work dir {args.tmp}; {os.cpu_count()} CPUs; {args.server} {args.workers} workers × {args.threads} threads")
    try:
        if args.stages == "big":
            run_big(args)
        else:
            run_load(args)
    finally:
        if args.drop_cluster:
            sh("pg_dropcluster", "--stop", PG_VERSION, PG_CLUSTER, check=False)
            log("bench PostgreSQL cluster dropped")


if __name__ == "__main__":
    main()
