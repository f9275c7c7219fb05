#!/usr/bin/env python3
"""Makes the variants of a device log that people actually post, for the
`shakedown explain` corpus: the same handshake, mangled the ways forums,
tickets and serial consoles mangle it.

  mangle_log.py LOG OUTDIR     writes OUTDIR/<variant>.log for every variant

Variants (deterministic: the same log gives the same files):
  forum      paths shown as an ellipsis, quotes made curly, a greeting and
             the application's prints around the log
  console    a timestamp and `|N|` level marker on every statement, the path
             of a CubeMX project, CRLF line ends
  wrapped    lines wrapped at 72 columns, as mail and some forums do
  joined     every third statement joined onto the line before
  hexdump    hex dump rows without their ASCII column and with collapsed
             spacing; some without their file prefix
  interleaved  application prints and a bootloader banner between the
             statements
"""

import os
import re
import sys

STATEMENT = re.compile(r"^([A-Za-z0-9_]+\.[ch]):(\d+): (.*)$")


def parse(lines):
    """(file, line, text) for Mbed TLS statements, (None, None, text) otherwise."""
    out = []
    for raw in lines:
        m = STATEMENT.match(raw)
        out.append((m.group(1), m.group(2), m.group(3)) if m else (None, None, raw))
    return out


def curly(text):
    # Alternate opening and closing quotes the way word processors do.
    result, open_quote = [], True
    for ch in text:
        if ch == "'":
            result.append("\u2018" if open_quote else "\u2019")
            open_quote = not open_quote
        elif ch == '"':
            result.append("\u201c" if open_quote else "\u201d")
            open_quote = not open_quote
        else:
            result.append(ch)
    return "".join(result)


def forum(entries):
    out = ["Hi all, my board fails the handshake, here is the log:", ""]
    for f, n, text in entries:
        out.append(curly(f"\u2026/library/{f}:{n}: {text}" if f else text))
    out += ["", "Any idea what is wrong? Thanks!"]
    return "\n".join(out) + "\n"


def console(entries):
    out = []
    for i, (f, n, text) in enumerate(entries):
        stamp = f"[{i // 1000:02d}:{(i // 10) % 60:02d}.{i % 1000:03d}]"
        if f:
            out.append(f"{stamp} ../Middlewares/Third_Party/mbedTLS/library/{f}:{n}: |3| {text}")
        else:
            out.append(f"{stamp} {text}")
    return "\r\n".join(out) + "\r\n"


def wrapped(entries, width=72):
    out = []
    for f, n, text in entries:
        line = f"{f}:{n}: {text}" if f else text
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            if cut <= 0:
                cut = width
            out.append(line[:cut])
            line = line[cut:].lstrip()
        out.append(line)
    return "\n".join(out) + "\n"


def joined(entries):
    out = []
    for i, (f, n, text) in enumerate(entries):
        line = f"{f}:{n}: {text}" if f else text
        if i % 3 == 2 and out and f:
            out[-1] += " " + line
        else:
            out.append(line)
    return "\n".join(out) + "\n"


HEX_ROW = re.compile(r"^([0-9a-f]{4}):  ((?:[0-9a-f]{2} ?)+?)\s{2,}.*$")


def hexdump(entries):
    out = []
    for i, (f, n, text) in enumerate(entries):
        m = HEX_ROW.match(text) if f else None
        if m:
            row = f"{m.group(1)}: {' '.join(m.group(2).split())}"
            out.append(row if i % 2 else f"{f}:{n}: {row}")
        else:
            out.append(f"{f}:{n}: {text}" if f else text)
    return "\n".join(out) + "\n"


def interleaved(entries):
    out = ["", "*** Booting firmware v1.4.2 ***", "  . Seeding the random number generator... ok",
           "  . Loading the CA root certificate ... ok", "  . Connecting to tcp/cloud.example.com/443... ok",
           "  . Performing the SSL/TLS handshake..."]
    for i, (f, n, text) in enumerate(entries):
        out.append(f"{f}:{n}: {text}" if f else text)
        if i % 25 == 24:
            out.append(f"[app] heartbeat {i // 25}")
    return "\n".join(out) + "\n"


VARIANTS = {
    "forum": forum,
    "console": console,
    "wrapped": wrapped,
    "joined": joined,
    "hexdump": hexdump,
    "interleaved": interleaved,
}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        entries = parse(f.read().splitlines())
    os.makedirs(sys.argv[2], exist_ok=True)
    for name, make in VARIANTS.items():
        with open(os.path.join(sys.argv[2], f"{name}.log"), "w", encoding="utf-8", newline="") as f:
            f.write(make(entries))


if __name__ == "__main__":
    main()
