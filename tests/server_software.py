"""How to start each piece of real server software the tests meet, set up
one way: each function writes its config into `folder` and returns the
command that runs the server in the foreground on 127.0.0.1:`port` with the
certificate chain `cert` and its key `key`. `options` are lines in the
server's own config language, or, for gnutls-serv, its priority string.

None of these servers can be told to bind port 0 and say which port it got,
so the caller picks one (local_servers.free_port) and waits for it to listen.
gnutls-serv cannot be told an address either: it listens on every interface,
so it runs only in a network namespace of its own, whose one interface is
the loopback (OWN_NETWORK).
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_servers import free_port, make_pki  # noqa: E402

OWN_NETWORK = {"gnutls-serv"}  # software that must run in a network namespace of its own
# Set by in_own_network for the program it runs there.
IN_OWN_NETWORK = os.environ.get("SHAKEDOWN_IN_OWN_NETWORK") == "1"


def nginx(folder, port, cert, key, options):
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
    {options}
    location / {{ return 200 "ok\\n"; }}
  }}
}}
""")
    return ["nginx", "-p", folder, "-c", conf, "-e", f"{folder}/error.log"]


def stunnel(folder, port, cert, key, options):
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


def lighttpd(folder, port, cert, key, options):
    """lighttpd's TLS (mod_openssl) set with OpenSSL's own configuration commands: `options` are
    `"Name" => "value"` pairs of ssl.openssl.ssl-conf-cmd."""
    conf = os.path.join(folder, "lighttpd.conf")
    os.makedirs(os.path.join(folder, "www"), exist_ok=True)
    with open(conf, "w", encoding="ascii") as f:
        f.write(f"""server.document-root = "{folder}/www"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{folder}/error.log"
server.modules += ("mod_openssl")
ssl.engine = "enable"
ssl.pemfile = "{cert}"
ssl.privkey = "{key}"
ssl.openssl.ssl-conf-cmd = ({options})
""")
    return ["lighttpd", "-D", "-f", conf]


def mosquitto(folder, port, cert, key, options):
    """The MQTT broker with a TLS listener. It stays the user who started it (`user`), since it could not
    read the test's private folder as the mosquitto user it would otherwise drop to."""
    conf = os.path.join(folder, "mosquitto.conf")
    with open(conf, "w", encoding="ascii") as f:
        f.write(f"""user {pwd.getpwuid(os.geteuid()).pw_name}
persistence false
log_dest file {folder}/mosquitto.log
listener {port} 127.0.0.1
allow_anonymous true
certfile {cert}
keyfile {key}
{options}
""")
    return ["mosquitto", "-c", conf]


def gnutls_serv(folder, port, cert, key, options):
    """GnuTLS's test server, echoing; `options` is a GnuTLS priority string."""
    del folder
    return ["gnutls-serv", "--echo", "-p", str(port), "--x509certfile", cert, "--x509keyfile", key, "--priority",
            options]


def openssl(folder, port, cert, key, options):
    """OpenSSL's own test server; `options` are s_server's options, split at spaces."""
    del folder
    return ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-cert", cert, "-key", key,
            *options.split()]


STARTERS = {"openssl": openssl, "nginx": nginx, "stunnel": stunnel, "lighttpd": lighttpd, "mosquitto": mosquitto,
            "gnutls-serv": gnutls_serv}


RSA, RSA4096, P256, P384 = "rsa", "rsa4096", "p256", "p384"
KEYS = {RSA: ["-newkey", "rsa:2048"], RSA4096: ["-newkey", "rsa:4096"],
        P256: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        P384: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]}

# Each real server set up restrictively: software, setup, the server's key (KEYS), its options (each
# starter above says in what language). tests/server_software_test.py meets each with the device and
# with its replica; bench/probe_bench.py times the probe of each.
SETUPS = [
    ("openssl", "TLS 1.2, two ECDHE-RSA suites in its own order", RSA,
     "-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256 -serverpref"),
    ("openssl", "the same two suites in the client's order", RSA,
     "-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"),
    ("openssl", "TLS 1.3 only, two suites", RSA,
     "-tls1_3 -serverpref -ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"),
    ("openssl", "a client-certificate request, group P-384 only", RSA, "-verify 1 -groups P-384"),
    ("nginx", "TLS 1.2, ECDHE-RSA-AES256-GCM-SHA384 only (the field server's shape)", RSA,
     "ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384; ssl_prefer_server_ciphers on;"),
    ("nginx", "TLS 1.3 only", RSA, "ssl_protocols TLSv1.3;"),
    ("nginx", "an ECDSA P-384 certificate", P384, "ssl_protocols TLSv1.2 TLSv1.3;"),
    ("stunnel", "TLS 1.2, one suite", RSA, "sslVersion = TLSv1.2\nciphers = ECDHE-RSA-AES128-GCM-SHA256"),
    ("stunnel", "TLS 1.3 only", RSA, "sslVersionMin = TLSv1.3"),
    ("stunnel", "an RSA-4096 certificate", RSA4096, "sslVersionMax = TLSv1.2"),
    ("lighttpd", "TLS 1.2, ECDHE-RSA-CHACHA20-POLY1305 only", RSA,
     '"MinProtocol" => "TLSv1.2", "MaxProtocol" => "TLSv1.2", "CipherString" => "ECDHE-RSA-CHACHA20-POLY1305"'),
    ("lighttpd", "TLS 1.3 only, TLS_AES_256_GCM_SHA384 only", RSA,
     '"MinProtocol" => "TLSv1.3", "Ciphersuites" => "TLS_AES_256_GCM_SHA384"'),
    ("lighttpd", "an ECDSA P-384 certificate, group P-384 only", P384, '"Groups" => "P-384"'),
    ("mosquitto", "TLS 1.2, one ECDHE-ECDSA suite, a P-256 certificate", P256,
     "tls_version tlsv1.2\nciphers ECDHE-ECDSA-AES128-GCM-SHA256"),
    ("mosquitto", "TLS 1.3 only", RSA, "tls_version tlsv1.3"),
    ("mosquitto", "an RSA-4096 certificate, TLS 1.2", RSA4096, "tls_version tlsv1.2"),
    ("gnutls-serv", "TLS 1.2, ECDHE-RSA with AES-256-GCM only", RSA,
     "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:-KX-ALL:+ECDHE-RSA"),
    ("gnutls-serv", "TLS 1.3 only", RSA, "NORMAL:-VERS-ALL:+VERS-TLS1.3"),
    ("gnutls-serv", "an ECDSA P-384 certificate, group SECP384R1 only", P384, "NORMAL:-GROUP-ALL:+GROUP-SECP384R1"),
]


def runnable_here(software):
    """Installed, and where it may listen: software of OWN_NETWORK only inside a namespace of its own."""
    return installed(software) and (software not in OWN_NETWORK or IN_OWN_NETWORK)


def installed(software):
    return shutil.which(software) is not None or os.path.exists(f"/usr/sbin/{software}")


def command(software, *args):
    """The starter's command, with the program's full path when it lives in /usr/sbin (not on every PATH)."""
    argv = STARTERS[software](*args)
    if shutil.which(argv[0]) is None and os.path.exists(f"/usr/sbin/{argv[0]}"):
        argv[0] = f"/usr/sbin/{argv[0]}"
    return argv


def wait_listening(port, proc, seconds=10):
    """True once something accepts on 127.0.0.1:`port`; False if `proc` ends first or `seconds` pass."""
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


def start(software, folder, pki, options):
    """(process, port) of the server listening on 127.0.0.1 with `pki` (ca, cert, key), or (None, 0); it is
    tried on three ports in case another process takes one first."""
    for _ in range(3):
        port = free_port()
        proc = subprocess.Popen(command(software, folder, port, pki[1], pki[2], options), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if wait_listening(port, proc):
            return proc, port
        proc.kill()
        proc.wait(timeout=10)
    return None, 0


def in_own_network(argv, timeout):
    """`argv` run in a network namespace whose one interface is the loopback (IN_OWN_NETWORK set for it):
    its CompletedProcess, or None when no namespace can be made here (the reason on stdout)."""
    inner = "ip link set lo up && SHAKEDOWN_IN_OWN_NETWORK=1 exec \"$@\""
    namespace = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--net", "--map-root-user"]
    p = subprocess.run([*namespace, "sh", "-c", inner, "sh", *argv], capture_output=True, text=True,
                       timeout=timeout, check=False)
    if p.stderr.startswith("unshare:") or "RTNETLINK" in p.stderr:
        print(f"no network namespace of its own could be made: {p.stderr.strip()[:300]}")
        return None
    return p


def each_running(only, tmp, not_run):
    """Each SETUPS row of `only` (every one outside OWN_NETWORK when None) that may run here, its server started
    in a folder of `tmp`: yields (name, pki, port, folder) while it runs, and reaps it after. A row that cannot
    run or start is passed to `not_run(name, why)` instead."""
    pkis = {}
    for software, setup, key, options in SETUPS:
        if (only and software != only) or (not only and software in OWN_NETWORK):
            continue
        name = f"{software}, {setup}"
        if not runnable_here(software):
            not_run(name, f"{software} is not installed")
            continue
        if key not in pkis:
            pkis[key] = make_pki(tmp, key, KEYS[key])
        folder = tempfile.mkdtemp(dir=tmp)
        proc, port = start(software, folder, pkis[key], options)
        if proc is None:
            not_run(name, f"did not start (see its config in {folder})")
            continue
        try:
            yield name, pkis[key], port, folder
        finally:
            proc.kill()
            proc.wait(timeout=10)
