#!/usr/bin/env bash
# Ouroboros - every fuzz target (fuzz/fuzz_*.c) still builds from the
# sources its top comment names and runs a few hundred inputs
# (fuzz/run --smoke; fuzzing for real, with ASan and UBSan, is
# fuzz/run SECONDS). Three targets had stopped linking
# when their sources were split, and nothing noticed: this does.
# Skipped (77) only when there is no clang with libFuzzer.
# ctest: TIMEOUT 400
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
cc=$(command -v clang-16 || command -v clang || true)
[ -n "$cc" ] || { echo "SKIP: no clang (apt-get install clang-16)"; exit 77; }
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void) d; (void) n; return 0; }\n' >"$probe/p.c"
"$cc" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null ||
        { echo "SKIP: $cc has no libFuzzer (apt-get install libclang-rt-16-dev)"; exit 77; }
CC=$cc nice -n 5 "$repo/fuzz/run" --smoke
