"""PostgreSQL from Debian packages, with a cluster of its own under the state directory."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from infra.services.base import Service, ServiceError
from infra.versions import postgres_bin


class PostgresService(Service):
    """One cluster per checkout; the platform's role and database are created on first start."""

    name = "postgres"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.postgres.port,)

    @property
    def bin(self) -> Path:
        return postgres_bin()

    @property
    def data_dir(self) -> Path:
        # Resolved: when .state/postgres is a symlink out of an unreachable
        # checkout, the postgres user can only use the real path.
        return self.dir.resolve() / "data"

    def install(self) -> None:
        if not (self.bin / "postgres").exists():
            self.run_install_script("postgres")

    def _run_as(self) -> str | None:
        # PostgreSQL refuses to run as root; as root we run it as the Debian
        # package's "postgres" user.
        return "postgres" if os.geteuid() == 0 else None

    def _cmd(self, *args: str) -> list[str]:
        user = self._run_as()
        return ["runuser", "-u", user, "--", *args] if user else list(args)

    def prepare(self) -> None:
        user = self._run_as()
        if user is not None:
            self._make_reachable_by(user)
        if (self.data_dir / "PG_VERSION").exists():
            return
        pg = self.settings.postgres
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", delete=False, dir=self.dir.resolve()) as pw:
            pw.write(pg.password + "\n")
        pwfile = Path(pw.name)
        if user is not None:
            uid = pwd.getpwnam(user).pw_uid
            for p in (self.dir, self.data_dir, pwfile):
                os.chown(p, uid, -1)
        self.data_dir.chmod(0o700)
        try:
            proc = subprocess.run(
                self._cmd(
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    pg.user,
                    f"--pwfile={pwfile}",
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ),
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with self.log_file.open("a") as log:
            log.write(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise ServiceError(f"postgres: initdb failed; see {self.log_file}:\n{proc.stderr}")

    def _make_reachable_by(self, user: str) -> None:
        """Give the postgres user a data directory it can reach.

        A checkout under a 0700 home (CI clones often are) hides the state
        directory from that user. Rather than loosen the home, the cluster
        then lives under /var/tmp, keyed by this checkout's state directory,
        and ``<state>/postgres`` is a symlink to it, so it is still found
        where the README says.
        """
        uid = pwd.getpwnam(user).pw_uid
        if not self.dir.is_symlink():
            self.dir.mkdir(parents=True, exist_ok=True)
            os.chown(self.dir, uid, -1)
            if not self._reachable(user, self.dir) and not self.data_dir.exists():
                shutil.rmtree(self.dir)
                key = hashlib.sha256(str(self.dir.resolve()).encode()).hexdigest()[:12]
                target = Path("/var/tmp") / f"botskyc-postgres-{key}"  # noqa: S108 (owned, keyed dir)
                target.mkdir(parents=True, exist_ok=True)
                os.chown(target, uid, -1)
                self.dir.symlink_to(target)
        if not self._reachable(user, self.dir.resolve()):
            raise ServiceError(
                f"postgres: user {user!r} cannot write {self.dir}; set BOTSKYC_STATE_DIR to a "
                "directory it can reach, e.g. under /var/tmp"
            )

    @staticmethod
    def _reachable(user: str, path: Path) -> bool:
        probe = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(path)], check=False)
        return probe.returncode == 0

    def command(self) -> list[str]:
        pg = self.settings.postgres
        host = self.settings.stack.bind_host
        return self._cmd(
            str(self.bin / "postgres"),
            "-D",
            str(self.data_dir),
            "-c",
            f"listen_addresses={host}",
            "-c",
            f"port={pg.port}",
            "-c",
            f"unix_socket_directories={self.dir.resolve()}",
            "-c",
            "shared_buffers=128MB",
            "-c",
            "max_connections=200",
            "-c",
            "fsync=on",
        )

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["LC_ALL"] = "C.UTF-8"
        return env

    def healthy(self) -> bool:
        pg = self.settings.postgres
        proc = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", pg.host, "-p", str(pg.port), "-t", "2"],
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0

    def after_start(self) -> None:
        from core.db.migrate import ensure_database, migrate

        ensure_database(self.settings.postgres)
        migrate(self.settings.postgres.dsn())
