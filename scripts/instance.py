#!/usr/bin/env python3
"""Start, stop and inspect complete Naskah instances on loopback: separate deployments, each
with its own database, files, secret key and processes, as partner cities run them (issue 28).

    scripts/instance.py start NAME --port P [--tenant-file F ...] [--database-url URL]
                              [--redis-url URL] [--env K=V ...] [--fresh] [--timeout S]
    scripts/instance.py stop NAME... | --all [--grace S] [--drop]   all it started; idempotent
    scripts/instance.py status NAME                0 running, 1 partly, 3 stopped
    scripts/instance.py manage NAME ARG...         manage.py against the instance
    scripts/instance.py env NAME                   the instance's environment, KEY=VALUE lines

`start` gives the instance `var/instances/NAME/` (media, logs, the secret key, the timestamp
authority's keys, `instance.json` with its settings and process ids), creates its PostgreSQL
database when the URL is PostgreSQL (dropped first with --fresh; without a URL the instance
has a SQLite file of its own) as a copy of a template migrated once per set of migrations (an
existing database is migrated), collects static files, loads the tenant files and
gives their demo signers keys (as `make run` does), then starts, each in a process group of
its own with its log in `logs/`: a timestamp authority (scripts/pki_services.py), daphne, the
task worker (queues default,ocr) and the periodic scheduler (scripts/serve.sh web, worker,
scheduler; the scheduler enqueues the heartbeat `/readyz` waits for). The settings are the
production ones (NASKAH_DEBUG=false) over plain HTTP on 127.0.0.1: no HTTPS redirect, no HSTS,
links carrying `http://<tenant host>:P`. It prints one line with the first tenant's URL once
`/readyz` answers 200, or the log tails and exits 1 (having stopped what it started).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import instance_processes as processes

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
INSTANCES = ROOT / "var" / "instances"
# Static files are the same for every instance: collected once (under a lock) into one place.
STATIC_ROOT = INSTANCES / "_static"
# The processes, in the order they start (and the reverse of the order they stop).
PROCESSES = ("tsa", "web", "worker", "scheduler")
STOP_ORDER = tuple(reversed(PROCESSES))
# The caller's settings never reach an instance (a test run's DJANGO_SETTINGS_MODULE, its
# DATABASE_URL): each instance has exactly the environment `instance.json` records.
INHERITED_PREFIXES = ("NASKAH_", "DJANGO_")
INHERITED_DROPPED = {"DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER"}


def _reexec_in_venv() -> None:
    """Run under the project's virtualenv (psycopg, PyYAML) whatever python started us."""
    if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])


def _spawn(name: str, argv: list[str], env: dict[str, str], inst: Path) -> dict:
    return processes.spawn(argv, env=env, cwd=ROOT, log_path=inst / "logs" / f"{name}.log")


# --- state ----------------------------------------------------------------------------------


def _dir(name: str) -> Path:
    if not name or "/" in name or name.startswith((".", "_")):
        raise SystemExit(f"instance name {name!r}: letters, digits, - and _ (not first)")
    return INSTANCES / name


def _state_read(inst: Path) -> dict | None:
    try:
        return json.loads((inst / "instance.json").read_text())
    except FileNotFoundError:
        return None


def _state_write(inst: Path, state: dict) -> None:
    tmp = inst / "instance.json.tmp"
    tmp.write_text(json.dumps(state, indent=2))
    tmp.chmod(0o600)  # it holds the secret key
    tmp.replace(inst / "instance.json")


def _secret_key(inst: Path) -> str:
    path = inst / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _tenants(files: list[Path]) -> list[dict]:
    """Slug, application name and hosts of each tenant file (read, not validated: the
    loader validates)."""
    import tomllib

    import yaml

    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        doc = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
        tenant = (doc or {}).get("tenant") or {}
        found.append(
            {
                "slug": tenant.get("slug", ""),
                "app_name": tenant.get("app_name", ""),
                "domains": list(tenant.get("domains") or []),
            }
        )
    return found


def _environment(args, inst: Path, tenants: list[dict], tsa_port: int) -> dict[str, str]:
    """The instance's settings: production ones, on plain HTTP on loopback."""
    hosts = {".localhost", "localhost", "127.0.0.1"}
    hosts |= {d for t in tenants for d in t["domains"]}
    database = args.database_url or f"sqlite:///{inst / 'naskah.sqlite3'}"
    env = {
        "DJANGO_SETTINGS_MODULE": "naskah.settings",
        "NASKAH_DEBUG": "false",
        "NASKAH_SECRET_KEY": _secret_key(inst),
        "NASKAH_ALLOWED_HOSTS": ",".join(sorted(hosts)),
        "NASKAH_CSRF_TRUSTED_ORIGINS": f"http://*.localhost:{args.port},"
        f"http://127.0.0.1:{args.port}",
        "NASKAH_SSL_REDIRECT": "false",
        "NASKAH_HSTS_SECONDS": "0",
        "NASKAH_PUBLIC_SCHEME": "http",
        "NASKAH_PUBLIC_PORT": str(args.port),
        "NASKAH_BIND": "127.0.0.1",
        "NASKAH_WORKER_QUEUES": "default,ocr",
        "NASKAH_LOG_FORMAT": "text",
        "NASKAH_VAR_DIR": str(inst),
        "NASKAH_MEDIA_ROOT": str(inst / "media"),
        "NASKAH_STATIC_ROOT": str(STATIC_ROOT),
        "DATABASE_URL": database,
        "REDIS_URL": args.redis_url or "",
        # Instances sharing one Redis database never read each other's keys or channels
        # (the colon: no instance's prefix starts another's).
        "NASKAH_REDIS_PREFIX": _redis_prefix(args.name),
        "NASKAH_TSA_URL": f"http://127.0.0.1:{tsa_port}/naskah-dev/tsa/tsa",
        "NASKAH_TRUST_ROOTS": str(inst / "pki" / "tsa-root.pem"),
    }
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--env {item!r}: use KEY=VALUE")
        if key == "NASKAH_TRUST_ROOTS":  # added to the instance's own TSA root
            value = f"{env[key]},{value}"
        env[key] = value
    return env


def _redis_prefix(name: str) -> str:
    return f"naskah-inst-{name}:"


def _redis_flush(url: str, name: str) -> None:
    """Delete the instance's keys (a fresh database must not meet the cached tenants and the
    periodic slots its predecessor claimed, which would hold the heartbeat back a minute)."""
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    try:
        keys = list(client.scan_iter(match=f"{_redis_prefix(name)}*", count=1000))
        for i in range(0, len(keys), 1000):
            client.delete(*keys[i : i + 1000])
    except redis.RedisError as exc:
        sys.stderr.write(f"instance {name}: its Redis keys were not deleted ({exc})\n")
    finally:
        client.close()


def _process_env(overlay: dict[str, str]) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(INHERITED_PREFIXES) and k not in INHERITED_DROPPED
    }
    return {**base, **overlay}


# --- database and preparation ---------------------------------------------------------------


def _database_prepare(url: str, *, fresh: bool, env: dict[str, str], inst: Path) -> bool:
    """Create the instance's PostgreSQL database (dropped first when fresh) as a copy of a
    migrated template; a SQLite file is removed when fresh. Whether it is a new copy."""
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme.startswith(("postgres", "sqlite")):
        raise SystemExit(f"--database-url {url!r}: PostgreSQL or SQLite")
    if fresh:
        _database_drop(url)
    if parts.scheme.startswith("sqlite"):
        return _sqlite_copy(Path(parts.path), env, inst)
    from psycopg import sql

    name = urllib.parse.unquote(parts.path.lstrip("/"))
    with _admin(url) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        template = _template(conn, url, env, inst)
        create = sql.SQL("CREATE DATABASE {} TEMPLATE {}")
        conn.execute(create.format(sql.Identifier(name), sql.Identifier(template)))
    return True


def _admin(url: str):
    """An autocommit connection to the server's maintenance database."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres", query=""))
    return psycopg.connect(admin, autocommit=True)


def _migrations_key() -> str:
    """A digest of what the schema is made of: the project's migrations and the installed
    packages (their versions name their migrations)."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    for site in sorted((ROOT / ".venv" / "lib").glob("python*/site-packages")):
        digest.update(" ".join(sorted(p.name for p in site.glob("*.dist-info"))).encode())
    return digest.hexdigest()[:12]


def _template(conn, url: str, env: dict[str, str], inst: Path) -> str:
    """The name of a database migrated from scratch to the current migrations, made once per
    server (under an advisory lock: instances of every checkout share it): migrating takes a
    minute on two busy cores, copying it a second."""
    from psycopg import sql

    name = f"naskah_inst_template_{_migrations_key()}"
    conn.execute("SELECT pg_advisory_lock(hashtext('naskah-instance-template'))")
    try:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return name
        building = f"{name}_building"
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(building))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
        parts = urllib.parse.urlsplit(url)
        target = urllib.parse.urlunsplit(parts._replace(path=f"/{building}"))
        _manage({**env, "DATABASE_URL": target}, inst, ["migrate", "--noinput", "-v0"])
        _templates_prune(conn, keep=name)
        # Renamed once complete: a template is never half migrated.
        conn.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(building), sql.Identifier(name)
            )
        )
        return name
    finally:
        conn.execute("SELECT pg_advisory_unlock(hashtext('naskah-instance-template'))")


def _templates_prune(conn, *, keep: str) -> None:
    """Drop all but the two newest other templates (made for other migrations, by other
    branches); one being copied right now is left alone."""
    import psycopg
    from psycopg import sql

    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE 'naskah_inst_template_%%' "
        "AND datname NOT LIKE '%%_building' AND datname <> %s ORDER BY oid DESC",
        [keep],
    ).fetchall()
    for (name,) in rows[2:]:
        with contextlib.suppress(psycopg.Error):
            conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))


def _sqlite_copy(path: Path, env: dict[str, str], inst: Path) -> bool:
    """The SQLite file as a copy of a migrated template file (made once, under a lock);
    whether it is a new copy."""
    if path.exists():
        return False
    template = INSTANCES / f"_template_{_migrations_key()}.sqlite3"
    with (INSTANCES / "_template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            others = sorted(INSTANCES.glob("_template_*.sqlite3"), key=lambda p: p.stat().st_mtime)
            for old in others[:-2]:  # the two newest others stay (other branches')
                old.unlink(missing_ok=True)
            building = template.with_suffix(".building")
            building.unlink(missing_ok=True)
            _manage(
                {**env, "DATABASE_URL": f"sqlite:///{building}"},
                inst,
                ["migrate", "--noinput", "-v0"],
            )
            building.replace(template)
    shutil.copyfile(template, path)
    return True


def _database_drop(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(parts.path + suffix).unlink(missing_ok=True)
        return
    from psycopg import sql

    name = urllib.parse.unquote(parts.path.lstrip("/"))
    with _admin(url) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        conn.execute(drop)


# manage.py commands run one after another in one process: each process of its own would
# pay Django's start (3-7 s on two busy cores) again.
_COMMANDS = """
import json, sys, time
import django
django.setup()
from django.core.management import call_command
for argv in json.loads(sys.argv[1]):
    print("$ manage.py", *argv, flush=True)
    begun = time.monotonic()
    call_command(*argv)
    print(f"# {argv[0]}: {time.monotonic() - begun:.1f} s", flush=True)
"""


def _manage(env: dict[str, str], inst: Path, *commands: list[str]) -> None:
    """Run manage.py commands in one process, their output added to logs/setup.log; raise
    _StartFailed when one fails."""
    with (inst / "logs" / "setup.log").open("ab") as log:
        begun = time.monotonic()
        done = subprocess.run(
            [str(VENV_PYTHON), "-c", _COMMANDS, json.dumps(commands)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
        log.write(f"# (with Django's start: {time.monotonic() - begun:.1f} s)\n".encode())
    if done.returncode:
        names = ", ".join(c[0] for c in commands)
        raise _StartFailed(f"manage.py {names} failed ({done.returncode})")


def _static_collect(env: dict[str, str], inst: Path) -> None:
    """Collect static files once for every instance, again only when a source file changed
    (the production storage needs its manifest)."""
    sources = [ROOT / "static", *ROOT.glob("*/static")]
    stamp = max((p.stat().st_mtime for d in sources for p in d.rglob("*")), default=0.0)
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    with (INSTANCES / "_static.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = STATIC_ROOT / ".collected"
        manifest = STATIC_ROOT / "staticfiles.json"
        if manifest.exists() and marker.exists() and marker.read_text() == repr(stamp):
            return
        _manage(env, inst, ["collectstatic", "--noinput", "-v0"])
        marker.write_text(repr(stamp))


class _StartFailed(Exception):
    pass


# --- commands -------------------------------------------------------------------------------


def cmd_start(args) -> int:
    """Prepare and start an instance; the URL on success, the log tails on failure."""
    begun = time.monotonic()
    inst = _dir(args.name)
    state = _state_read(inst)
    if state and any(processes.group_ours(r) for r in state.get("processes", {}).values()):
        sys.stderr.write(f"instance {args.name} is running: `{sys.argv[0]} stop {args.name}`\n")
        return 1
    if processes.listens(args.port):
        sys.stderr.write(f"port {args.port} is taken on 127.0.0.1: choose another\n")
        return 1
    if args.fresh and inst.exists():
        for sub in ("media", "logs", "naskah.sqlite3"):
            target = inst / sub
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
    for sub in ("media", "logs", "pki"):
        (inst / sub).mkdir(parents=True, exist_ok=True)
    files = [Path(f).resolve() for f in args.tenant_file]
    tenants = _tenants(files)
    tsa_port = args.tsa_port or processes.free_port()
    overlay = _environment(args, inst, tenants, tsa_port)
    env = _process_env(overlay)
    state = {
        "name": args.name,
        "port": args.port,
        "tsa_port": tsa_port,
        "tenants": tenants,
        "tenant_files": [str(f) for f in files],
        "env": overlay,
        "processes": {},
    }
    _state_write(inst, state)
    try:
        _bring_up(args, inst, state, env, files, deadline=begun + args.timeout)
    except (_StartFailed, OSError, KeyboardInterrupt) as exc:
        processes.stop_groups(state["processes"], grace=5, order=STOP_ORDER)
        sys.stderr.write(f"instance {args.name} did not start: {exc}\n{_tails(inst)}")
        return 1
    state["started_in"] = round(time.monotonic() - begun, 1)
    _state_write(inst, state)
    sys.stdout.write(f"{_url(state)} ({args.name}, ready in {state['started_in']} s)\n")
    return 0


def _bring_up(args, inst: Path, state: dict, env: dict[str, str], files, *, deadline) -> None:
    """Database, static files, tenants, then the processes; until /readyz answers."""
    overlay = state["env"]
    if args.fresh:
        _redis_flush(overlay["REDIS_URL"], args.name)
    copied = _database_prepare(overlay["DATABASE_URL"], fresh=args.fresh, env=env, inst=inst)
    # The timestamp authority makes its keys while the rest is prepared.
    pki = ["--port", str(state["tsa_port"]), "--dir", str(inst / "pki")]
    state["processes"]["tsa"] = _spawn(
        "tsa", [str(VENV_PYTHON), "scripts/pki_services.py", *pki], env, inst
    )
    _state_write(inst, state)
    _static_collect(env, inst)
    # A copy of the template is migrated already.
    commands = [] if copied else [["migrate", "--noinput", "-v0"]]
    if files:
        commands.append(["load_tenant", *map(str, files)])
        commands.append(["init_signing_ca", "--demo", *map(str, files)])
    if commands:
        _manage(env, inst, *commands)
    serve = str(ROOT / "scripts" / "serve.sh")
    servers = {"web": [serve, "web", str(args.port)], "worker": [serve, "worker"]}
    servers["scheduler"] = [serve, "scheduler"]
    for name, argv in servers.items():
        state["processes"][name] = _spawn(name, argv, env, inst)
        _state_write(inst, state)
    _wait_ready(state, inst, deadline=deadline)


def _wait_ready(state: dict, inst: Path, *, deadline: float) -> None:
    """Until /readyz answers 200 and the TSA listens; a process that exits is a failure."""
    port, tsa_port = state["port"], state["tsa_port"]
    last = "no answer"
    while True:
        for name, record in state["processes"].items():
            if not processes.group_ours(record):
                raise _StartFailed(f"the {name} process exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
                ready = answer.status == 200
        except urllib.error.HTTPError as exc:
            ready, last = False, exc.read().decode(errors="replace")[:300]
        except OSError as exc:
            ready, last = False, str(exc)
        if ready and processes.listens(tsa_port) and (inst / "pki" / "tsa-root.pem").exists():
            return
        if time.monotonic() > deadline:
            raise _StartFailed(f"not ready in time (/readyz: {last})")
        time.sleep(0.3)


def _url(state: dict) -> str:
    domains = [d for t in state["tenants"] for d in t["domains"]]
    return f"http://{domains[0] if domains else '127.0.0.1'}:{state['port']}/"


def _tails(inst: Path, lines: int = 25) -> str:
    out = []
    for log in sorted((inst / "logs").glob("*.log")):
        text = log.read_text(errors="replace").splitlines()[-lines:]
        out.append(f"--- {log.relative_to(ROOT)} (last {len(text)} lines)\n" + "\n".join(text))
    return "\n".join(out) + "\n"


def cmd_stop(args) -> int:
    """Stop the named instances, or all with --all; 1 when a process would not stop."""
    names = args.names
    if args.all:
        names = sorted(p.parent.name for p in INSTANCES.glob("*/instance.json"))
    elif not names:
        raise SystemExit("stop: name an instance, or --all")
    failed = 0
    for name in names:
        failed |= _stop_one(name, args)
    return failed


def _stop_one(name: str, args) -> int:
    """Stop every process of one instance (none running is not an error)."""
    inst = _dir(name)
    state = _state_read(inst)
    records = (state or {}).get("processes", {})
    running = [name for name, r in records.items() if processes.group_ours(r)]
    killed = processes.stop_groups(records, grace=args.grace, order=STOP_ORDER) if running else []
    left = [name for name, r in records.items() if processes.group_ours(r)]
    if left:
        sys.stderr.write(f"instance {name}: still running: {', '.join(left)}\n")
        return 1
    note = f" (killed after {args.grace:g} s: {', '.join(killed)})" if killed else ""
    done = f"stopped {', '.join(running)}{note}" if running else "not running"
    if args.drop and state:
        _database_drop(state["env"]["DATABASE_URL"])
        _redis_flush(state["env"]["REDIS_URL"], name)
        shutil.rmtree(inst / "media", ignore_errors=True)
        done += "; database, files and Redis keys dropped (logs kept)"
    sys.stdout.write(f"instance {name}: {done}\n")
    return 0


def cmd_status(args) -> int:
    """One line per process; exit 0 when all run, 3 when none does, 1 in between."""
    state = _state_read(_dir(args.name))
    if state is None:
        sys.stdout.write(f"instance {args.name}: unknown\n")
        return 3
    records = state.get("processes", {})
    up = {name for name, r in records.items() if processes.group_ours(r)}
    sys.stdout.write(f"instance {args.name}: {_url(state)}\n")
    for name in PROCESSES:
        if name in records:
            members = processes.group_members(records[name]["pid"]) if name in up else []
            shown = f"running (pids {', '.join(map(str, members))})" if members else "stopped"
            sys.stdout.write(f"  {name:<10}{shown}\n")
    if up and up == set(PROCESSES):
        return 0
    return 1 if up else 3


def cmd_manage(args) -> int:
    """Run manage.py with the instance's settings and database."""
    state = _state_read(_dir(args.name))
    if state is None:
        sys.stderr.write(f"instance {args.name}: never started\n")
        return 2
    argv = [str(VENV_PYTHON), "manage.py", *args.args]
    return subprocess.run(argv, cwd=ROOT, env=_process_env(state["env"]), check=False).returncode


def cmd_env(args) -> int:
    state = _state_read(_dir(args.name))
    if state is None:
        return 2
    sys.stdout.write("".join(f"{k}={v}\n" for k, v in state["env"].items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Naskah instances on loopback (issue 28).")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="prepare and start an instance")
    start.add_argument("name")
    start.add_argument("--port", type=int, required=True)
    start.add_argument("--tenant-file", action="append", default=[], metavar="FILE")
    start.add_argument("--database-url", default="", help="default: a SQLite file of its own")
    start.add_argument("--redis-url", default="", help="default: none (in-process layers)")
    start.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    start.add_argument("--fresh", action="store_true", help="drop the database and files first")
    start.add_argument("--timeout", type=float, default=180, help="seconds to become ready")
    start.add_argument("--tsa-port", type=int, default=0, help="default: a free port")
    stop = sub.add_parser("stop", help="stop every process of an instance")
    stop.add_argument("names", nargs="*", metavar="NAME")
    stop.add_argument("--all", action="store_true", help="every instance under var/instances")
    stop.add_argument("--grace", type=float, default=15, help="seconds before SIGKILL")
    stop.add_argument("--drop", action="store_true", help="then drop its database and files")
    status = sub.add_parser("status", help="which processes run")
    status.add_argument("name")
    manage = sub.add_parser("manage", help="manage.py against the instance")
    manage.add_argument("name")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    show = sub.add_parser("env", help="the instance's environment")
    show.add_argument("name")
    args = parser.parse_args(argv)
    commands = {"start": cmd_start, "stop": cmd_stop, "status": cmd_status}
    commands |= {"manage": cmd_manage, "env": cmd_env}
    return commands[args.command](args)


if __name__ == "__main__":
    _reexec_in_venv()
    sys.exit(main())
