#!/usr/bin/env bash
# Every source file under host/, servers/, sim/ and firmware/ (tests aside)
# stays small enough to read in one sitting: at most 500 lines.
#   file_length_test.sh REPO
set -euo pipefail
cd "$1"
limit=500
long=$(find host servers sim firmware -type f \
         \( -name '*.cc' -o -name '*.h' -o -name '*.c' -o -name '*.def' -o -name '*.cmake' -o -name '*.txt' \
            -o -name '*.sh' -o -name '*.ld' -o -name '*.py' \) \
         ! -name '*_test.cc' ! -name '*_test.cmake' ! -name '*_test.sh' -print0 |
       xargs -0 wc -l | awk -v limit=$limit '$2 != "total" && $1 > limit { print "  " $2 ": " $1 " lines" }')
if [ -n "$long" ]; then
  printf 'files over %d lines:\n%s\n' "$limit" "$long"
  exit 1
fi
echo "no source file over $limit lines"
