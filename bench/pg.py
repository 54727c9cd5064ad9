"""A PostgreSQL server for the benchmark, set up like scripts/with-postgres.sh.

Unlike that script's throwaway cluster, the data directory is kept under bench/data/ so
the databases built by one run (millions of rows, their indexes) are reused by the next.
"""

import glob
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from bench.util import free_port, log


def _bin_dir() -> Path:
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    # Debian keeps the server binaries out of PATH, one directory per major version.
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path)],
    )
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found (set PG_BIN)")
    return Path(candidates[-1])


class Cluster:
    """Start with `with Cluster(root) as cluster:`; the server stops on leaving."""

    def __init__(self, data_root: Path):
        self.bin = _bin_dir()
        version = subprocess.run(  # noqa: S603 (fixed argv, no shell)
            [str(self.bin / "pg_ctl"), "--version"], capture_output=True, text=True, check=True
        ).stdout
        self.major = re.search(r"(\d+)", version).group(1)
        self.root = data_root / f"postgres-{self.major}"
        self.data = self.root / "data"
        # The server refuses to run as root: run it as the postgres user, as the script does.
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.port = 0
        self.socket_dir = ""

    def _own(self, path: Path | str) -> None:
        if self.as_pg:
            shutil.chown(path, user="postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_pg, *args], check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    def __enter__(self):
        if not (self.data / "PG_VERSION").exists():
            shutil.rmtree(self.root, ignore_errors=True)
            self.root.mkdir(parents=True)
            self._own(self.root)
            self.root.chmod(0o700)
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            )
        self.socket_dir = tempfile.mkdtemp(prefix="clientele-bench-pg-")
        self._own(self.socket_dir)
        self.port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            # Fewer checkpoints while millions of rows are loaded.
            "-c max_wal_size=8GB "
            # A production server gives PostgreSQL a share of its memory; the default
            # 128 MB cannot hold the searched pages of 1,000,000 clients, and timings
            # would measure the operating system's file cache instead (search max 26-31
            # ms with 128 MB, 16 ms with 1 GB, same code).
            "-c shared_buffers=1GB " + os.environ.get("PG_EXTRA_OPTIONS", "")
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.root / "server.log"),
            "start",
            "-o",
            options,
        )
        log(f"PostgreSQL {self.major} ready on 127.0.0.1:{self.port} ({self.root})")
        return self

    def __exit__(self, *exc):
        subprocess.run(  # noqa: S603
            [*self.as_pg, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(self.socket_dir, ignore_errors=True)
        return False

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    # A database counts as built only once its comment says so: a load that was cut
    # short leaves no comment and is rebuilt.
    READY = "clientele bench: complete"

    def is_ready(self, database: str) -> bool:
        with self.admin() as connection:
            row = connection.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                (database,),
            ).fetchone()
        return bool(row) and row[0] == self.READY

    def recreate(self, database: str) -> None:
        with self.admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))

    def rename(self, database: str, new_name: str) -> None:
        """Rename a database, which then counts as not built until marked ready again."""
        with self.admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(new_name))
            )
            connection.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(database), sql.Identifier(new_name)
                )
            )
            connection.execute(
                sql.SQL("COMMENT ON DATABASE {} IS NULL").format(sql.Identifier(new_name))
            )

    def mark_ready(self, database: str) -> None:
        with self.admin() as connection:
            connection.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(database), sql.Literal(self.READY)
                )
            )
