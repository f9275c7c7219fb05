#!/usr/bin/env python3
"""How many handshakes and how long `shakedown probe` takes for each real
server set up as the tests set it up (tests/server_software.py: openssl
s_server, nginx, stunnel, lighttpd, mosquitto, gnutls-serv), on 127.0.0.1.
Prints figures; asserts nothing. The probe's bound is 200 handshakes.

  bench/probe_bench.py SHAKEDOWN [--rounds N] [--only SOFTWARE]

Each server is probed N times (default 3): the handshakes (the same each
round for a server that answers alike) and the median and slowest wall time
of the whole `shakedown probe` command. gnutls-serv, which listens on every
interface, is probed in a network namespace of its own.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
import server_software  # noqa: E402


def probe_once(shakedown, port, tmp):
    out = os.path.join(tmp, "probe.json")
    start = time.monotonic()
    p = subprocess.run([shakedown, "probe", f"localhost:{port}", "--json", out], capture_output=True, text=True,
                       timeout=120, check=False)
    seconds = time.monotonic() - start
    handshakes = None
    if p.returncode == 0 and os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            handshakes = json.load(f)["handshakes"]
    return handshakes, seconds


def bench(shakedown, rounds, only):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, _, port, _ in server_software.each_running(only, tmp, lambda name, why: print(f"{name}: {why}")):
            runs = [probe_once(shakedown, port, tmp) for _ in range(rounds)]
            handshakes = sorted({h for h, _ in runs}, key=lambda h: -1 if h is None else h)
            seconds = [s for _, s in runs]
            rows.append((max(h or 0 for h in handshakes), max(seconds)))
            print(f"{name}: {'/'.join(str(h) for h in handshakes)} handshakes, "
                  f"median {statistics.median(seconds):.2f} s, slowest {max(seconds):.2f} s", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shakedown")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only")
    args = parser.parse_args()
    shakedown = os.path.abspath(args.shakedown)
    rows = bench(shakedown, args.rounds, args.only)
    if args.only is None:
        for software in sorted(server_software.OWN_NETWORK):
            p = server_software.in_own_network(
                [sys.executable, os.path.abspath(__file__), shakedown, "--rounds", str(args.rounds), "--only",
                 software], timeout=900)
            if p is None:
                print(f"{software}: not probed")
                continue
            print(p.stdout, end="")
            for line in p.stdout.splitlines():
                if " handshakes, median " in line:
                    handshakes = int(line.split(": ")[-1].split(" handshakes")[0].split("/")[-1])
                    rows.append((handshakes, float(line.rsplit("slowest ", 1)[1].split(" s")[0])))
        print(f"{len(rows)} servers: at most {max((h for h, _ in rows), default=0)} handshakes (the bound is 200), "
              f"slowest probe {max((s for _, s in rows), default=0):.2f} s")


if __name__ == "__main__":
    main()
