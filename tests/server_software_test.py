#!/usr/bin/env python3
"""The device against real server software nobody here wrote, and against
the replica `shakedown probe` writes of it.

  server_software_test.py SHAKEDOWN

nginx and stunnel (Debian's packages, installed by ci/setup), each set up
three restrictive ways, are started on 127.0.0.1; for each, the probe writes
a replica, and every profile on both lines meets the real server (`shakedown
connect`) and the replica (`shakedown run`): each cell must end alike (the
result, the code and the first finding; probe_test.py's differential). A
server that is not installed is said so; with neither, the test is skipped
(ctest's SKIP_REGEX), never passed.

These servers cannot be told to bind port 0 and say which port they got, so
the port is one the kernel hands out to a socket bound to port 0 here,
closed just before the server starts on it (and tried again if taken).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_servers import free_port, make_pki  # noqa: E402
from probe_test import differential  # noqa: E402


def wait_listening(port, proc, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def nginx_conf(folder, port, cert, key, ssl_lines):
    conf = os.path.join(folder, "nginx.conf")
    with open(conf, "w", encoding="ascii") as f:
        f.write(f"""daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    {ssl_lines}
    location / {{ return 200 "ok\\n"; }}
  }}
}}
""")
    return ["nginx", "-p", folder, "-c", conf, "-e", f"{folder}/error.log"]


def stunnel_conf(folder, port, cert, key, options):
    conf = os.path.join(folder, "stunnel.conf")
    with open(conf, "w", encoding="ascii") as f:
        f.write(f"""foreground = yes
pid =
[echo]
accept = 127.0.0.1:{port}
exec = /bin/cat
execArgs = cat
cert = {cert}
key = {key}
{options}
""")
    return ["stunnel", conf]


def main():
    shakedown = sys.argv[1]
    failures, ran = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        rsa = make_pki(tmp, "rsa", ["-newkey", "rsa:2048"])
        rsa4096 = make_pki(tmp, "rsa4096", ["-newkey", "rsa:4096"])
        p384 = make_pki(tmp, "p384", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"])
        servers = [
            ("nginx", "TLS 1.2, ECDHE-RSA-AES256-GCM-SHA384 only (the field server's shape)", rsa, nginx_conf,
             "ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384; ssl_prefer_server_ciphers on;"),
            ("nginx", "TLS 1.3 only", rsa, nginx_conf, "ssl_protocols TLSv1.3;"),
            ("nginx", "an ECDSA P-384 certificate", p384, nginx_conf, "ssl_protocols TLSv1.2 TLSv1.3;"),
            ("stunnel", "TLS 1.2, one suite", rsa, stunnel_conf,
             "sslVersion = TLSv1.2\nciphers = ECDHE-RSA-AES128-GCM-SHA256"),
            ("stunnel", "TLS 1.3 only", rsa, stunnel_conf, "sslVersionMin = TLSv1.3"),
            ("stunnel", "an RSA-4096 certificate", rsa4096, stunnel_conf, "sslVersionMax = TLSv1.2"),
        ]
        for software, setup, pki, conf, options in servers:
            if shutil.which(software) is None:
                print(f"not run: {software} is not installed ({setup})")
                continue
            name = f"{software}, {setup}"
            folder = tempfile.mkdtemp(dir=tmp)
            proc, port = None, 0
            for _ in range(3):
                port = free_port()
                proc = subprocess.Popen(conf(folder, port, pki[1], pki[2], options), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if wait_listening(port, proc):
                    break
                proc.kill()
                proc.wait(timeout=10)
                proc = None
            if proc is None:
                failures.append(f"{name}: did not start (see {folder})")
                continue
            try:
                print(f"{name}:")
                failures += differential(shakedown, port, pki[0], folder, name)
                ran += 1
            finally:
                proc.kill()
                proc.wait(timeout=10)
    print(f"{ran} server setups run")
    if ran == 0 and not failures:
        print("SKIPPED: neither nginx nor stunnel is installed (ci/setup installs both)")
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
