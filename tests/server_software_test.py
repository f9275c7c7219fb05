#!/usr/bin/env python3
"""The device against real server software nobody here wrote, and against
the replica `shakedown probe` writes of it.

  server_software_test.py SHAKEDOWN [--only SOFTWARE]

openssl s_server, nginx, stunnel, lighttpd, mosquitto (MQTT over TLS) and
gnutls-serv (Debian's packages, installed by ci/setup), each set up
restrictively (server_software.SETUPS), are started on 127.0.0.1; for each,
the probe writes a replica, and every profile on both lines meets the real
server and the replica: each cell must end alike (probe_test.differential
says how).

gnutls-serv listens on every interface, so its setups run in a network
namespace of their own, where the loopback is the only interface: this
script runs itself there with --only gnutls-serv.

Software that is not installed, or a namespace that cannot be made, is said
so; with nothing run, the test is skipped (ctest's SKIP_REGEX), never passed.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_test import differential  # noqa: E402
import server_software  # noqa: E402


def run_setups(shakedown, only):
    """(failures, setups run) of the SETUPS of `only` (every one outside OWN_NETWORK when None) that may run here."""
    failures, ran = [], 0

    def not_run(name, why):
        if why.endswith("is not installed"):
            print(f"not run: {name}: {why}")
        else:
            failures.append(f"{name}: {why}")

    with tempfile.TemporaryDirectory() as tmp:
        for name, pki, port, folder in server_software.each_running(only, tmp, not_run):
            print(f"{name}:", flush=True)
            failures += differential(shakedown, port, pki[0], folder, name)
            ran += 1
    return failures, ran


def in_own_network(shakedown, software):
    """(failures, setups run) of `software`'s setups, run by this script in a network namespace of their own."""
    if not server_software.installed(software):
        print(f"not run: {software} is not installed")
        return [], 0
    p = server_software.in_own_network([sys.executable, os.path.abspath(__file__), shakedown, "--only", software],
                                       timeout=900)
    if p is None:
        print(f"not run: {software}")
        return [], 0
    print("".join(line + "\n" for line in p.stdout.splitlines() if not line.startswith("FAIL ")), end="")
    failed = [line[5:] for line in p.stdout.splitlines() if line.startswith("FAIL ")]
    if p.returncode != 0 and not failed:
        failed = [f"{software}: its setups ended with exit {p.returncode}: {p.stderr.strip()[-600:]}"]
    return failed, sum(1 for line in p.stdout.splitlines() if line.startswith(f"{software}, "))


def main():
    shakedown = os.path.abspath(sys.argv[1])
    only = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--only" else None
    failures, ran = run_setups(shakedown, only)
    if only is None:
        for software in sorted(server_software.OWN_NETWORK):
            more, n = in_own_network(shakedown, software)
            failures, ran = failures + more, ran + n
    print(f"{ran} server setups run")
    if ran == 0 and not failures:
        print("SKIPPED: no server software could run here (ci/setup installs it)")
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
