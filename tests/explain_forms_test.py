#!/usr/bin/env python3
"""`shakedown explain` on what people paste from the stacks that wrap Mbed TLS.

  explain_forms_test.py SHAKEDOWN FORMS_DIR

Each tests/data/forms/<stack>/<cause>.log starts with `# ` header lines (the
source that defines the form, the cause, and `# expect:`), then the lines as
that stack prints them. The headers are stripped; the rest goes to
`shakedown explain --json` on standard input, and then without --json.

`# expect: finding ID`: explain's first finding is ID.
`# expect: bare CODE`: the log holds only the code (no Mbed TLS debug
output): explain reads that code, gives its usual causes in order (or says
none is on record), and its words claim no handshake state, stage or
message the lines do not show; `# candidates: A; B; ...` declares its
candidates in order, each a finding's id or, in quotes, words of a cause
without one. With `# first cause: WORDS`, its first candidate says WORDS
(a line beside the code points at that cause).

No answer may give one finding twice.

No file may be refused as "not a log" (exit 5), but for the KNOWN_MISSES,
which are reported, not failed (and the test fails when one passes, so the
list stays true).

Then every bare code the issue lists, in three stacks' forms each (hex with
0x, decimal in parentheses, Zephyr's hex without 0x), must be read as that
code, with candidates, claiming nothing the line does not show.

And the forum thread (thread/forum-two-episodes.txt: prose, a first log,
a fix, a second log) gives two episodes in order: the suite mismatch (c02b
and c02c offered, the server's reset) and the SHA-1 CA (-0x262e).

Prints the figures per stack; exits 1 on a failed check, listing each.
"""

import json
import os
import re
import subprocess
import sys

# Words that claim how far a handshake got; a bare code shows none of it.
CLAIMS = re.compile(r"client state|ClientHello|Client Hello|ServerHello|at stage|stage:|right after|"
                    r"after the handshake completed|state \d", re.IGNORECASE)


# Lines that carry no Mbed TLS code and no word of TLS: what the stack made of
# the error leaves nothing to read.
KNOWN_MISSES = {}

# Stacks whose own way to turn on Mbed TLS's debug output a bare code's
# answer must give (host/explain/stack_advice.cc).
DEBUG_ADVICE_FOR = {"esp-idf": "ESP-IDF", "zephyr": "Zephyr", "mongoose": "Mongoose"}

# Every code the issue names, and three forms a stack prints it in.
BARE_CODES = [0x7200, 0x7280, 0x0050, 0x004e, 0x6800, 0x7780, 0x2700, 0x3000, 0x262e, 0x3b00, 0x3c80, 0x6c00,
              0x6600, 0x7080, 0x7f00, 0x4310, 0x5180, 0x2880, 0x0010]
FORMS = [
    "E (4211) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x{code:04X}",
    "[ 12345][E][ssl_client.cpp:37] _handle_error(): [start_ssl_client():273]: (-{code}) {text}",
    "[00:00:05.120,000] <err> net_sock_tls: TLS handshake error: -{code:x}",
]


def read_case(path):
    headers, lines = {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# ") and not lines:
                key, _, value = line[2:].partition(":")
                headers.setdefault(key.strip(), []).append(value.strip())
            else:
                lines.append(line)
    return headers, "".join(lines)


def explain(shakedown, text, as_json):
    args = [shakedown, "explain", "-"] + (["--json"] if as_json else [])
    return subprocess.run(args, input=text, capture_output=True, text=True, timeout=60)


def candidate_is(candidate, wanted):
    """`wanted` is a finding's id, or words (in quotes) of a cause without one."""
    if wanted.startswith('"'):
        return wanted.strip('"') in candidate["cause"]
    return candidate["finding"] == wanted


def check(shakedown, path):
    headers, text = read_case(path)
    expect = headers.get("expect", [""])[0].split()
    if len(expect) != 2 or expect[0] not in ("finding", "bare"):
        return f"no '# expect: finding ID' or '# expect: bare CODE' header"
    p = explain(shakedown, text, True)
    if p.returncode not in (0, 1):
        return f"exit {p.returncode}: {p.stderr.strip()[:200]}"
    answer = json.loads(p.stdout)
    ids = [f["id"] for f in answer["findings"]]
    if len(ids) != len(set(ids)):
        return f"one finding given twice: {ids}"
    if expect[0] == "finding":
        if not ids or ids[0] != expect[1]:
            return f"first finding {ids[:3]}, expected {expect[1]}"
        return None
    code = int(expect[1], 16)
    got = answer["result"]["error_code"]
    if not answer.get("bare_code"):
        return f"not read as a bare code (findings {ids[:3]})"
    if int(got, 16) != code:
        return f"read the code {got}, expected {expect[1]}"
    if answer["result"]["stage"] is not None or answer["result"]["handshake_state"] is not None:
        return f"claims a stage or state: {answer['result']}"
    # The call it names is one the lines name: as such ("ssl_handshake returned" is curl's for
    # mbedtls_ssl_handshake), or as the handshake failing in words.
    call = answer["result"].get("failed_call") or ""
    shown = call.removeprefix("mbedtls_") in text or (call == "mbedtls_ssl_handshake" and "handshake" in text.lower())
    if call and not shown:
        return f"names a call the lines do not: {call}"
    first = headers.get("first cause", [None])[0]
    if first and first not in (answer["code_candidates"] or [{"cause": ""}])[0]["cause"]:
        return f"first candidate '{(answer['code_candidates'] or [{}])[0].get('cause')}', expected one saying '{first}'"
    wanted = [w.strip() for w in headers.get("candidates", [""])[0].split(";") if w.strip()]
    got = answer["code_candidates"] or []
    if not wanted:
        return "no '# candidates:' header: a bare code's case declares its candidates in order"
    if len(got) != len(wanted) or not all(candidate_is(c, w) for c, w in zip(got, wanted)):
        return f"candidates {[c['finding'] or c['cause'][:40] for c in got]}, expected {wanted}"
    if not answer.get("debug_output_how"):
        return "says nothing of how to get Mbed TLS's debug output"
    words = explain(shakedown, text, False).stdout
    claim = CLAIMS.search(words)
    if claim:
        return f"claims what the lines do not show: '{claim.group(0)}'"
    stack = DEBUG_ADVICE_FOR.get(os.path.basename(os.path.dirname(path)))
    if stack and f"To get it on {stack}:" not in words:
        return f"does not say how to get the debug output on {stack}"
    return None


def check_bare_codes(shakedown):
    failures = []
    for code in BARE_CODES:
        for form in FORMS:
            line = form.format(code=code, text="SSL - some error") + "\n"
            p = explain(shakedown, line, True)
            if p.returncode not in (0, 1):
                failures.append(f"bare {line.strip()}: exit {p.returncode}")
                continue
            answer = json.loads(p.stdout)
            got = int(answer["result"]["error_code"], 16)
            if not answer.get("bare_code") or got != -code:
                failures.append(f"bare {line.strip()}: read {answer['result']['error_code']}")
            elif not answer["code_candidates"]:
                failures.append(f"bare {line.strip()}: no candidates")
            elif CLAIMS.search(explain(shakedown, line, False).stdout):
                failures.append(f"bare {line.strip()}: claims '{CLAIMS.search(explain(shakedown, line, False).stdout).group(0)}'")
    print(f"bare codes: {len(BARE_CODES)} codes x {len(FORMS)} forms, {len(BARE_CODES) * len(FORMS) - len(failures)} "
          "read with candidates and no claim")
    return failures


def check_thread(shakedown, forms):
    path = os.path.join(forms, "thread", "forum-two-episodes.txt")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    p = explain(shakedown, text, True)
    if p.returncode not in (0, 1):
        return [f"thread: exit {p.returncode}: {p.stderr.strip()[:200]}"]
    episodes = json.loads(p.stdout)["episodes"]
    got = [(e["findings"][0]["id"] if e["findings"] else None, e["result"]["error_code"]) for e in episodes]
    wanted = [("no-shared-ciphersuite", "-0x0050"), ("ca-signature-hash-disabled", "-0x262e")]
    failures = []
    if got != wanted:
        failures.append(f"thread: episodes {got}, expected {wanted}")
    elif (episodes[0]["client_hello"] or {}).get("cipher_suites") != [0xc02b, 0xc02c]:
        failures.append(f"thread: episode 1 offered {episodes[0]['client_hello']}, expected c02b and c02c")
    if "2 episodes" not in explain(shakedown, text, False).stdout:
        failures.append("thread: the headline does not say 2 episodes")
    print(f"thread: {len(episodes)} episodes: {got}")
    return failures


def main():
    shakedown, forms = sys.argv[1], sys.argv[2]
    failures, per_stack, missed = [], {}, []
    for stack in sorted(os.listdir(forms)):
        folder = os.path.join(forms, stack)
        if not os.path.isdir(folder) or stack == "thread":
            continue
        cases = sorted(f for f in os.listdir(folder) if f.endswith(".log"))
        passed = 0
        for name in cases:
            case = f"{stack}/{name}"
            why = check(shakedown, os.path.join(folder, name))
            if why and case in KNOWN_MISSES:
                missed.append(f"{case}: {why} ({KNOWN_MISSES[case]})")
            elif why:
                failures.append(f"{case}: {why}")
            elif case in KNOWN_MISSES:
                failures.append(f"{case}: passes now; take it off KNOWN_MISSES")
            else:
                passed += 1
        per_stack[stack] = (passed, len(cases))
    for stack, (passed, total) in per_stack.items():
        print(f"{stack:<14} {passed:>3} of {total:>3}")
    total = sum(t for _, t in per_stack.values())
    print(f"all stacks: {sum(p for p, _ in per_stack.values())} of {total} as expected, {len(missed)} known misses")
    for miss in missed:
        print("known miss: " + miss)
    failures += check_bare_codes(shakedown)
    failures += check_thread(shakedown, forms)
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
