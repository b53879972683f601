"""deploy/docsense.service and deploy/nginx.conf pass the checks of the tools that run them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.deploy.tools import require_tool

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "docsense.service"
# `systemd-analyze security` exposure x10 that the unit may not exceed (it is 1.2 "OK");
# lower it when the unit gets stricter.
MAX_EXPOSURE = 12
# The checks the unit leaves open, and why; any other one failing is a regression.
ACCEPTED = {
    "PrivateNetwork=": "Slack, the AI providers and PostgreSQL are on the network",
    "RestrictAddressFamilies=~AF_(INET|INET6)": "the same, over TCP",
    "IPAddressDeny=": "Slack's and the AI providers' addresses are not fixed",
    "RestrictAddressFamilies=~AF_UNIX": "the embedded PostgreSQL's socket",
    "SystemCallFilter=~@resources": "setpriority: ingest workers lower their own priority",
    "ProcSubset=": "the process_* metrics read /proc/stat",
    "DeviceAllow=": "ProtectClock= leaves the RTC readable",
    "RootDirectory=/RootImage=": "runs from the host's /opt/docsense",
}


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_unit_verifies(tmp_path: Path) -> None:
    # verify insists that ExecStart's program exists: check a copy that starts a stub.
    stub = tmp_path / "docsense"
    stub.write_text("#!/bin/sh\n")
    stub.chmod(0o755)
    text = UNIT.read_text()
    assert "ExecStart=/opt/docsense/bin/docsense " in text
    unit = tmp_path / UNIT.name
    unit.write_text(text.replace("ExecStart=/opt/docsense/bin/docsense ", f"ExecStart={stub} "))
    result = _run(require_tool("systemd-analyze"), "verify", str(unit))
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def _security(*options: str) -> subprocess.CompletedProcess[str]:
    return _run(require_tool("systemd-analyze"), "security", "--offline=true", *options, str(UNIT))


def test_unit_exposure_stays_within_the_threshold() -> None:
    result = _security(f"--threshold={MAX_EXPOSURE}")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr


def test_unit_leaves_open_only_the_accepted_checks() -> None:
    result = _security("--json=short")
    assert result.returncode == 0, result.stderr
    open_checks = {check["name"] for check in json.loads(result.stdout) if not check["set"]}
    assert open_checks == set(ACCEPTED)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    result = _run(
        require_tool("openssl"), "req", "-x509", "-newkey", "ec",
        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
        "-subj", "/CN=docsense.example.com", "-keyout", str(key), "-out", str(cert),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return cert, key


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    # nginx.conf goes inside nginx's http block and names Let's Encrypt's files: test it
    # inside a minimal main config, with a throw-away certificate in their place.
    cert, key = _self_signed(tmp_path)
    site = (DEPLOY / "nginx.conf").read_text()
    live = "/etc/letsencrypt/live/docsense.example.com"
    assert f"{live}/fullchain.pem" in site and f"{live}/privkey.pem" in site
    (tmp_path / "site.conf").write_text(
        site.replace(f"{live}/fullchain.pem", str(cert)).replace(f"{live}/privkey.pem", str(key))
    )
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{ include {tmp_path}/site.conf; }}\n"
    )
    nginx = require_tool("nginx")
    result = _run(nginx, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(main))
    assert result.returncode == 0, result.stderr
