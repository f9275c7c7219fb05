#!/usr/bin/env python3
"""A board on another host, through the real ser2net: `--target board` with a bench file naming the board by
rfc2217://127.0.0.1:PORT and its probe by openocd's TCL port.

  remote_bench_test.py SHAKEDOWN FIRMWARE_DIR RELAY_HELPER REPO WORKDIR

The board is a stand-in (tests/bench/standin_board.py): QEMU running the mps2-an386 image is its MCU, a
pseudo-terminal its ST-Link's virtual COM port, and a TCL server answers what shakedown asks openocd for
(`program` of a NUCLEO image boots the QEMU image of the same line and profile). Debian's ser2net exports
the pty on 127.0.0.1 with RFC 2217, as a bench host would. The board's network: QEMU's user networking,
restrict=on, with a guestfwd from the address the bench file's board_dials names to the bench relay's
fixed port on 127.0.0.1.

1. The field scenarios (4 builds, 16 cells) pass through it, flashing each build, every cell as expected,
   each naming the host and board it ran on.
2. The kill case: ser2net is killed while a cell's handshake is in flight (the server stalls). That cell
   is an infrastructure error naming the board and its link; ser2net comes back, and the next cell
   passes on the same board.
3. A forward that leads nowhere: the device cannot connect, or its connection ends without the test
   server ever having it: an infrastructure error saying so, not a finding about the server.
Every child runs under a bound and is reaped. Exits 1 listing what failed.
"""

import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from local_servers import free_port  # noqa: E402
from ser2net_server import Ser2net  # noqa: E402
from standin_board import StandinBoard  # noqa: E402

failures = []
GUEST_RELAY = ("10.0.2.100", 4433)  # where the firmware connects; QEMU's guestfwd takes it to the relay


def check(ok, what):
    print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        failures.append(what)
    return ok


def qemu_image_for(nucleo_image):
    """The stand-in's one liberty: QEMU cannot run the NUCLEO image, so it boots the QEMU image of the same
    Mbed TLS line and profile, from the same folder."""
    name = os.path.basename(nucleo_image).replace("firmware-nucleo-f429zi-", "firmware-qemu-mps2-an386-")
    return os.path.join(os.path.dirname(nucleo_image), name)


def write_bench(path, ser2net_port, tcl_port, relay_port):
    with open(path, "w", encoding="ascii") as f:
        f.write(f"""# A stand-in remote board (tests/remote_bench_test.py)
host_address: 127.0.0.1
boards:
  - name: standin-a
    serial: rfc2217://127.0.0.1:{ser2net_port}
    openocd: 127.0.0.1:{tcl_port}
    address: 127.0.0.1              # the guestfwd helper's connections come from here
    relay_port: {relay_port}
    board_dials: {GUEST_RELAY[0]}:{GUEST_RELAY[1]}
""")


def start_run(shakedown, args, log):
    return subprocess.Popen(["timeout", "-k", "10", "600", shakedown, "run", *args], stdout=log,
                            stderr=subprocess.STDOUT, text=True)


def journal_cells(out):
    try:
        with open(os.path.join(out, "journal.jsonl"), encoding="utf-8") as f:
            return [json.loads(line) for line in f if '"verdict"' in line]
    except (OSError, ValueError):
        return []


def field_run(shakedown, firmware, bench, work):
    out = os.path.join(work, "field")
    with open(os.path.join(work, "field.log"), "w") as log:
        run = start_run(shakedown, ["scenarios/field", "--target", "board", "--bench", bench, "--firmware-dir",
                                    firmware, "--out", out], log)
        rc = run.wait(timeout=660)
    print(open(os.path.join(work, "field.log")).read()[-1500:])
    check(rc == 0, f"field scenarios through ser2net: exit {rc}, expected 0")
    results = json.load(open(os.path.join(out, "results.json")))
    cells = results["results"]
    check(len(cells) == 16, f"16 cells ran ({len(cells)})")
    check(all(c["verdict"].startswith("as-expected") for c in cells),
          "every cell as expected: " + ", ".join(sorted({c["verdict"] for c in cells})))
    findings = sorted({c.get("finding") or "-" for c in cells})
    check(findings == sorted(["-", "no-shared-ciphersuite", "ca-signature-hash-disabled",
                              "rsa-key-too-large-for-mpi", "record-too-large-for-input-buffer"]),
          f"the field report's four findings: {findings}")
    return cells


def kill_run(shakedown, firmware, bench, work, standin, ser2net):
    scenarios = os.path.join(work, "kill-scenarios")
    os.makedirs(scenarios, exist_ok=True)
    with open(os.path.join(scenarios, "00-slow-server.yaml"), "w") as f:
        f.write("""summary: The server takes 6 s to answer; the bench host's ser2net dies meanwhile.
pki:
  - {key: ec-p256}
  - {key: ec-p256}
server:
  versions: [tls1.2]
  stall: {before: ServerHello, ms: 6000}
client:
  hostname: cloud.shakedown.test
  read_timeout_ms: 10000
  mbedtls: ["3.6"]
expect:
  field-fixed: {result: pass}
""")
    shutil.copy("scenarios/field/01-suite-mismatch.yaml", os.path.join(scenarios, "01-suite-mismatch.yaml"))
    out = os.path.join(work, "kill")
    before = standin.connections()
    with open(os.path.join(work, "kill.log"), "w") as log:
        run = start_run(shakedown, [scenarios, "--target", "board", "--bench", bench, "--firmware-dir", firmware,
                                    "--mbedtls", "3.6", "--filter", "*/field-fixed", "--out", out], log)
        # The device has connected through the relay: the handshake is in flight, the server stalling.
        deadline = time.monotonic() + 120
        while standin.connections() == before and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        in_flight = check(standin.connections() > before, "the first cell's handshake reached the server")
        if in_flight:
            ser2net.kill()
            # ser2net stays down until the cell is given up (its retries find no port), then comes back.
            while not journal_cells(out) and run.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            ser2net.restart()
        rc = run.wait(timeout=660)
    print(open(os.path.join(work, "kill.log")).read()[-2500:])
    check(rc == 2, f"a run with an infrastructure error exits 2 ({rc})")
    cells = json.load(open(os.path.join(out, "results.json")))["results"]
    check([c["scenario"] for c in cells] == ["kill-scenarios/00-slow-server", "kill-scenarios/01-suite-mismatch"],
          "both cells are in results.json")
    if len(cells) == 2:
        first, second = cells
        check(first["verdict"] == "infrastructure-error", f"the cell cut off is an infrastructure error ({first['verdict']})")
        check("board standin-a (rfc2217://127.0.0.1:" in first.get("why", ""),
              f"its why names the board and its link: {first.get('why')}")
        check(any("the device hung up" in why for why in first.get("earlier_attempts", [])),
              f"the first attempt saw the link go: {first.get('earlier_attempts')}")
        check(second["verdict"] == "as-expected", f"the next cell passes on the same board ({second['verdict']})")
        check(second.get("ran_on", {}).get("device", "").startswith("board standin-a"), "and names it")


def miswired_run(shakedown, firmware, work, ser2net, standin):
    """The board's forward leads nowhere (the bench file's relay_port is not where the bench host forwards):
    the test server, listening, never has the connection. That is the bench's fault, an infrastructure
    error, not a finding about the server."""
    bench = os.path.join(work, "miswired.yaml")
    write_bench(bench, ser2net.port, standin.tcl_port, free_port())
    out = os.path.join(work, "miswired")
    with open(os.path.join(work, "miswired.log"), "w") as log:
        rc = start_run(shakedown, ["scenarios/field", "--target", "board", "--bench", bench, "--firmware-dir",
                                   firmware, "--filter", "*/01-suite-mismatch/3.6/field-fixed", "--out", out],
                       log).wait(timeout=660)
    cells = json.load(open(os.path.join(out, "results.json")))["results"]
    check(rc == 2 and len(cells) == 1 and cells[0]["verdict"] == "infrastructure-error",
          f"a forward that leads nowhere is an infrastructure error (exit {rc})")
    why = cells[0].get("why", "") if cells else ""
    check("though the cell's test server was listening" in why or "the cell's test server accepted none" in why,
          f"...saying the server was never reached: {why}")


def main():
    shakedown, firmware, relay_helper, repo, work = sys.argv[1:6]
    os.chdir(repo)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    qemu = shutil.which("qemu-system-arm")
    ser2net_program = shutil.which("ser2net") or "/usr/sbin/ser2net"
    if not qemu or not os.path.exists(ser2net_program):
        print("SKIPPED: no qemu-system-arm or ser2net (ci/setup installs both)")
        return 0
    relay_port = free_port()  # the bench file's relay_port: fixed, as a firewall rule would want it
    first_image = os.path.join(firmware, "firmware-qemu-mps2-an386-3.6-field-2x.elf")
    with StandinBoard(qemu, first_image, relay_helper, relay_port, os.path.join(work, "board"),
                      guest_relay=GUEST_RELAY, image_for=qemu_image_for) as standin, \
            Ser2net(os.path.join(work, "ser2net"), standin.pty_path) as ser2net:
        bench = os.path.join(work, "bench.yaml")
        write_bench(bench, ser2net.port, standin.tcl_port, relay_port)
        cells = field_run(shakedown, firmware, bench, work)
        ran_on = {(c.get("ran_on", {}).get("host"), c.get("ran_on", {}).get("device")) for c in cells}
        check(ran_on == {("127.0.0.1", f"board standin-a (rfc2217://127.0.0.1:{ser2net.port})")},
              f"each cell names the bench host and board it ran on: {ran_on}")
        programmed = sorted({os.path.basename(c.split("{")[1].split("}")[0]) for c in standin.commands
                             if c.startswith("program")})
        check(programmed == sorted(f"firmware-nucleo-f429zi-{line}-{profile}.elf" for line in ("2.28", "3.6")
                                   for profile in ("field-2x", "field-fixed")),
              f"each of the 4 builds was flashed through openocd's TCL port: {programmed}")
        kill_run(shakedown, firmware, bench, work, standin, ser2net)
        miswired_run(shakedown, firmware, work, ser2net, standin)
    if failures:
        print(f"{len(failures)} failed:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
