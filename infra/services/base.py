"""The shape every local service launcher shares.

A launcher installs what is missing (through ``infra/install.sh``, which
caches builds outside the checkout), starts the service as a detached
process group with its data and log under the state directory, waits until
the service's own health check answers, and stops it. ``start`` and ``stop``
are idempotent: starting a healthy service or stopping a stopped one is a
no-op that says so.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from core.settings import REPO_ROOT, Settings

INSTALL_SCRIPT = REPO_ROOT / "infra" / "install.sh"


class ServiceError(RuntimeError):
    """A service could not be installed, started or stopped; the message says why and where."""


@dataclass(frozen=True)
class ServiceStatus:
    """What ``status`` reports."""

    name: str
    running: bool
    healthy: bool
    pid: int | None
    ports: tuple[int, ...]
    log_file: Path
    detail: str = ""

    def line(self) -> str:
        """One human-readable line."""
        state = "healthy" if self.healthy else ("starting/unhealthy" if self.running else "stopped")
        ports = ",".join(str(p) for p in self.ports)
        pid = f"pid {self.pid}" if self.pid else "no pid"
        extra = f" — {self.detail}" if self.detail else ""
        return f"{self.name:<9} {state:<18} ports {ports:<16} {pid:<10} log {self.log_file}{extra}"


def port_is_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def pid_alive(pid: int) -> bool:
    """True when ``pid`` is a live (not zombie) process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        # A zombie holds its pid until reaped but does no work.
        return stat.read_text().split(") ", 1)[1][0] != "Z"
    return True


class Service:
    """Base launcher. Subclasses set ``name`` and implement the hooks."""

    name: str = "service"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.stack.state_dir / self.name
        self.log_file = settings.stack.state_dir / "logs" / f"{self.name}.log"
        self.pid_file = self.dir / f"{self.name}.pid"

    # ---- hooks -----------------------------------------------------------
    @property
    def ports(self) -> tuple[int, ...]:
        """Ports the service listens on (all must be free before start)."""
        raise NotImplementedError

    def install(self) -> None:
        """Make the binaries available (cached, idempotent). May take minutes the first time."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Create config and data directories (idempotent). Runs before every start."""

    def command(self) -> list[str]:
        """The command line that runs the service in the foreground."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """Environment of the service process."""
        return dict(os.environ)

    def healthy(self) -> bool:
        """The service's own health check (must not block longer than ~2 s)."""
        raise NotImplementedError

    def after_start(self) -> None:
        """Work to do once healthy, on every start, also of a running service
        (create buckets and topics, migrate). Idempotent."""

    # ---- shared behaviour ------------------------------------------------
    def run_install_script(self, step: str) -> None:
        """Run one step of ``infra/install.sh``; raise ServiceError with its output on failure."""
        proc = subprocess.run(
            ["bash", str(INSTALL_SCRIPT), step], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise ServiceError(
                f"{self.name}: install step {step!r} failed (exit {proc.returncode}):\n"
                f"{proc.stdout[-2000:]}{proc.stderr[-4000:]}"
            )

    def cached_path(self, what: str) -> Path:
        """Directory of a cached build, as ``infra/install.sh path`` computes it."""
        proc = subprocess.run(
            ["bash", str(INSTALL_SCRIPT), "path", what], capture_output=True, text=True, check=True
        )
        return Path(proc.stdout.strip())

    def read_pid(self) -> int | None:
        """The pid we started, if that process still lives."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def status(self) -> ServiceStatus:
        """Report without changing anything."""
        pid = self.read_pid()
        healthy = pid is not None and self._safe_healthy()
        return ServiceStatus(self.name, pid is not None, healthy, pid, self.ports, self.log_file)

    def _safe_healthy(self) -> bool:
        try:
            return self.healthy()
        except Exception:  # a health probe that errors means "not healthy yet"
            return False

    def start(self) -> str:
        """Install if needed, start, and wait until healthy. Idempotent.

        Blocks up to ``BOTSKYC_START_TIMEOUT_S`` seconds (plus install time).

        Raises:
            ServiceError: a port is taken by a process we did not start, the
                process exited, or health did not come in time; the message
                names the log file.
        """
        pid = self.read_pid()
        if pid is not None:
            if self._wait_healthy(pid, self.settings.stack.start_timeout_s):
                # Topics and migrations may have changed since it started.
                self.after_start()
                return f"{self.name}: already running (pid {pid})"
            raise ServiceError(
                f"{self.name}: pid {pid} is running but not healthy; see {self.log_file}"
            )
        host = self.settings.stack.bind_host
        for port in self.ports:
            if port_is_open(host, port):
                raise ServiceError(
                    f"{self.name}: port {port} on {host} is already in use by a process this "
                    f"checkout did not start; stop it or choose another port (README, "
                    f"Configuration). Log: {self.log_file}"
                )
        self.install()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.prepare()
        with self.log_file.open("ab") as log:
            log.write(f"\n=== {time.strftime('%F %T')} starting {self.name}\n".encode())
            log.flush()
            proc = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.environment(),
                cwd=self.dir,
                start_new_session=True,  # own process group: survives our exit, stops as one
            )
        self.pid_file.write_text(str(proc.pid))
        started = time.monotonic()
        if not self._wait_healthy(proc.pid, self.settings.stack.start_timeout_s, proc):
            code = proc.poll()
            self.stop()
            why = f"exited with code {code}" if code is not None else "did not become healthy"
            raise ServiceError(
                f"{self.name}: {why} within {self.settings.stack.start_timeout_s:.0f}s; "
                f"see {self.log_file}:\n{self.tail_log()}"
            )
        self.after_start()
        return f"{self.name}: started (pid {proc.pid}) in {time.monotonic() - started:.1f}s"

    def _wait_healthy(
        self, pid: int, timeout: float, proc: subprocess.Popen[bytes] | None = None
    ) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                return False
            if proc is None and not pid_alive(pid):
                return False
            if self._safe_healthy():
                return True
            time.sleep(0.25)
        return False

    def stop(self, timeout: float = 30.0) -> str:
        """Stop the process group we started (SIGTERM, then SIGKILL). Idempotent."""
        pid = self.read_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return f"{self.name}: not running"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.2)
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        self.pid_file.unlink(missing_ok=True)
        return f"{self.name}: stopped (pid {pid})"

    def tail_log(self, lines: int = 25) -> str:
        """Last lines of the log, for error messages."""
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log yet)"
