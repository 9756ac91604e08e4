#!/usr/bin/env bash
# One command from a fresh Debian 12 machine: install the Debian
# dependencies, build and install everything, start an IRMd and run the
# demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
scripts/demo.sh
