"""TLS to MySQL, verified for real: the product's connect function against a MariaDB server
of this module's own, whose certificate is signed by a CA the test makes (trustme).

In AWS the Lambdas connect with ``IMS_TRAINING_DB_TLS=true`` and the RDS CA bundle in
``IMS_TRAINING_DB_CA_BUNDLE``; here the same ``adapters.mysql.connect`` gets the test CA instead.
It must connect with the certificate verified, and refuse a server whose certificate
was signed by another CA or names another host.

The server is never the shared one on 3306: ``mariadb-install-db`` creates a datadir in a
temporary directory, ``mariadbd --no-defaults`` (no my.cnf is read) serves it on a free
port of 127.0.0.1 and a socket of its own, and the fixture stops it by its PID and
removes the datadir. Without a server binary the module is skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest
import trustme

from training_refresh.adapters.mysql import MySqlSettings, connect

pytestmark = pytest.mark.xdist_group("mysql-tls-server")
"""One xdist worker runs this module, so one server serves its tests."""

SERVER_NAMES = ("mariadbd", "mysqld")
INSTALL_NAMES = ("mariadb-install-db", "mysql_install_db")
SBIN = Path("/usr/sbin")
STARTUP_SECONDS = 60
USER = "ims_tls"
PASSWORD = "tls-test-password"
DATABASE = "ims_tls"
SERVER_HOST = "localhost"
"""The only name in the server certificate; 127.0.0.1 is then "another host"."""


def _binary(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name) or (str(SBIN / name) if (SBIN / name).is_file() else None)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class TlsServer:
    port: int
    ca_file: Path
    other_ca_file: Path

    def settings(self, *, host: str = SERVER_HOST, ca_file: Path | None = None) -> MySqlSettings:
        return MySqlSettings(
            host=host,
            port=self.port,
            user=USER,
            password=PASSWORD,
            database=DATABASE,
            tls=True,
            ca_bundle=str(ca_file or self.ca_file),
        )


def _write_certificates(directory: Path) -> tuple[Path, Path, Path, Path]:
    ca = trustme.CA()
    server = ca.issue_cert(SERVER_HOST)
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cert_file = directory / "server-cert.pem"
    server.cert_chain_pems[0].write_to_path(str(cert_file))
    key_file = directory / "server-key.pem"
    server.private_key_pem.write_to_path(str(key_file))
    other_ca_file = directory / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca_file))
    return ca_file, cert_file, key_file, other_ca_file


def _wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test's MariaDB exited at start: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the test's MariaDB did not listen within {STARTUP_SECONDS} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM to this server's PID: a clean shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    server_binary = _binary(SERVER_NAMES)
    install_binary = _binary(INSTALL_NAMES)
    if server_binary is None or install_binary is None:
        pytest.skip(
            "no MariaDB/MySQL server binary (mariadbd or mysqld, and mariadb-install-db) on"
            " PATH or in /usr/sbin: the real TLS test needs a server of its own"
        )
    root = tmp_path_factory.mktemp("mariadb-tls")
    datadir = root / "data"
    # A temporary directory of its own: with the shared /tmp, bootstrap failed in CI
    # ("Error on delete of '/tmp/#sql-temptable-…MAI'") when another process touched it.
    server_tmpdir = root / "tmp"
    server_tmpdir.mkdir()
    ca_file, cert_file, key_file, other_ca_file = _write_certificates(root)
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    install = subprocess.run(
        [
            install_binary,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--tmpdir={server_tmpdir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *as_root,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if install.returncode != 0:
        raise RuntimeError(f"mariadb-install-db failed: {install.stderr[-2000:]}")
    init_file = root / "init.sql"
    init_file.write_text(
        f"CREATE DATABASE IF NOT EXISTS {DATABASE};\n"
        f"CREATE USER IF NOT EXISTS '{USER}'@'%' IDENTIFIED BY '{PASSWORD}' REQUIRE SSL;\n"
        f"GRANT ALL ON {DATABASE}.* TO '{USER}'@'%';\n"
    )
    port = _free_port()
    log = root / "server.log"
    process = subprocess.Popen(
        [
            server_binary,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--tmpdir={server_tmpdir}",
            f"--socket={root / 'server.sock'}",
            f"--pid-file={root / 'server.pid'}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=16M",
            f"--log-error={log}",
            f"--init-file={init_file}",
            f"--ssl-ca={ca_file}",
            f"--ssl-cert={cert_file}",
            f"--ssl-key={key_file}",
            *as_root,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_serving(process, port, log)
        yield TlsServer(port=port, ca_file=ca_file, other_ca_file=other_ca_file)
    finally:
        _stop(process)
        shutil.rmtree(root, ignore_errors=True)


def _session_status(connection: pymysql.connections.Connection, name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE %s", (name,))
        row = cursor.fetchone()
    return str(row[1]) if row else ""


def test_connects_with_the_certificate_verified(tls_server: TlsServer) -> None:
    # Given the server's certificate for "localhost", signed by the CA in the bundle
    settings = tls_server.settings()

    # When the product connects with TLS on
    connection = connect(settings)
    try:
        # Then the session is encrypted with TLS 1.2 or newer
        assert _session_status(connection, "Ssl_version") in {"TLSv1.2", "TLSv1.3"}
        assert _session_status(connection, "Ssl_cipher")
        # And the server's certificate was verified: the peer certificate is only
        # available after verification, and it is the one issued for "localhost"
        peer = connection._sock.getpeercert()  # type: ignore[attr-defined]
        assert ("DNS", SERVER_HOST) in peer["subjectAltName"]
        # And the session works (this user may only log in over TLS)
        with connection.cursor() as cursor:
            cursor.execute("SELECT DATABASE()")
            assert cursor.fetchone() == (DATABASE,)
    finally:
        connection.close()


def test_refuses_a_server_whose_certificate_another_ca_signed(tls_server: TlsServer) -> None:
    # Given a CA bundle that does not hold the CA that signed the server's certificate
    settings = tls_server.settings(ca_file=tls_server.other_ca_file)

    # When the product connects, Then verification fails and no session is opened
    with pytest.raises(pymysql.err.OperationalError, match="certificate verify failed"):
        connect(settings)


def test_refuses_a_certificate_that_names_another_host(tls_server: TlsServer) -> None:
    # Given the right CA, but a host name the certificate does not name (it names
    # "localhost"; this is the same server reached as 127.0.0.1)
    settings = tls_server.settings(host="127.0.0.1")

    # When the product connects, Then the host name check refuses the certificate
    with pytest.raises(pymysql.err.OperationalError, match="mismatch"):
        connect(settings)
