#!/usr/bin/env python3
"""Seeds for device_client_fuzz from recorded device traffic.

Reads traffic transcripts (host/links/traffic_transcript.h) and writes
scripts in device_client_fuzz.cc's format into a folder: one script for each
request with the frames that answered it, and one for the whole session.
Log frames are kept to the first few per request, so a seed stays small
enough to mutate.

  device_client_fuzz_seeds.py OUT_DIR TRANSCRIPT...
"""
import hashlib
import pathlib
import sys

# The harness's call numbers (call() in device_client_fuzz.cc) by request
# frame type (firmware/protocol/public/shakedown/protocol/messages.h).
CALLS = {0x01: 0, 0x02: 1, 0x03: 2, 0x04: 3, 0x05: 4, 0x06: 5, 0x07: 6, 0x08: 7, 0x09: 8}
LOG = 0x84
LOGS_KEPT = 8


def cobs_decode(block):
    out, i = bytearray(), 0
    while i < len(block):
        code = block[i]
        if code == 0:
            return None
        out += block[i + 1:i + code]
        i += code
        if code != 0xFF and i < len(block):
            out.append(0)
    return bytes(out)


def frames(stream):
    """(type, seq, payload) of each well-formed frame in a byte stream."""
    for block in stream.split(b"\0"):
        raw = cobs_decode(block) if block else None
        if raw is None or len(raw) < 9:
            continue
        length = int.from_bytes(raw[3:5], "little")
        if len(raw) != 5 + length + 4:
            continue
        yield raw[0], int.from_bytes(raw[1:3], "little"), raw[5:5 + length]


def requests(path):
    """[(request type, [(type, seq, payload) answering it])] of a transcript."""
    lines = pathlib.Path(path).read_text().splitlines()
    host, device, out = bytearray(), bytearray(), []
    for line in lines[1:]:
        if not line.startswith("@"):
            continue
        _, direction, hex_bytes = line.split(" ", 2)
        data = bytes.fromhex(hex_bytes)
        if direction == ">":
            host += data
            for request, _, _ in frames(bytes(host)):
                out.append((request, []))
            host = host[host.rfind(b"\0") + 1:] if b"\0" in host else host
        else:
            device += data
            cut = device.rfind(b"\0")
            if cut > 0 and out:
                out[-1][1].extend(frames(bytes(device[:cut])))
                device = device[cut:]
    return out


def script(request, answers):
    """One call and its answers, as device_client_fuzz.cc reads them."""
    out = bytearray([CALLS[request]])
    if request == 0x03:
        out += bytes([1, 64])  # upload: kind (CA chain), size / 3
    elif request == 0x05:
        out += bytes([16])  # send: bytes
    logs = 0
    for kind, seq, payload in answers:
        if kind == LOG:
            logs += 1
            if logs > LOGS_KEPT:
                continue
        step = 0x10 | (0x04 if seq == 0 else 0)  # the request's seq (or zero); banners echo the nonce
        out += bytes([step, kind]) + len(payload).to_bytes(2, "little") + payload
    return bytes(out)


def main():
    out_dir = pathlib.Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sys.argv[2:]:
        scripts = [script(r, a) for r, a in requests(path) if r in CALLS]
        for s in scripts + [b"".join(scripts)]:
            (out_dir / ("seed-" + hashlib.sha1(s).hexdigest())).write_bytes(s)


if __name__ == "__main__":
    main()
