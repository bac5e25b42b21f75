"""deploy/nginx.conf is a configuration nginx accepts (`nginx -t`), with the certificate paths
pointed at a throw-away self-signed pair, and says what docs/deploy.md promises of it."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings

CONFIG = settings.BASE_DIR / "deploy" / "nginx.conf"


def test_the_config_keeps_private_files_behind_the_platform():
    text = CONFIG.read_text()
    locations = re.findall(r"location\s+(?:=\s+)?(\S+)\s*\{", text)
    assert sorted(locations) == ["/", "/media/", "/readyz", "/static/"]
    assert "private" not in " ".join(re.findall(r"alias\s+([^;]+);", text))
    assert "immutable" in text and "gzip on;" in text and "X-Forwarded-Proto $scheme" in text
    assert "return 301 https://" in text


@pytest.mark.skipif(
    not (shutil.which("nginx") or shutil.which("/usr/sbin/nginx")) or not shutil.which("openssl"),
    reason="nginx is not installed (apt-get install nginx-light)",
)
def test_nginx_accepts_the_config(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=jiangtai.example.gov.cn", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = CONFIG.read_text()
    site = site.replace("/etc/ssl/jiangtai/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/ssl/jiangtai/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "jiangtai.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        "  include /etc/nginx/mime.types;\n"
        f"  access_log {tmp_path}/access.log;\n"
        f"  include {tmp_path}/jiangtai.conf;\n"
        "}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
