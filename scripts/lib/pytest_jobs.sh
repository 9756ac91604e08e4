# pytest_jobs PYTHON: the pytest arguments that run a suite's tests in
# parallel processes (pytest-xdist, Debian's python3-pytest-xdist), one
# per CPU, or OURO_PYTEST_JOBS of them; nothing (one process, in file
# order) when OURO_PYTEST_JOBS=1 or PYTHON has no xdist. Every worker
# has its own IRMd, run directory, namespaces and switches (the suites'
# fixtures make unique names), so the tests do not see each other.
# Prints why on stderr when it falls back to one process.
pytest_jobs() {
        local jobs=${OURO_PYTEST_JOBS:-$(nproc)}
        case $jobs in
        '' | *[!0-9]* | 0)
                echo "OURO_PYTEST_JOBS=$jobs is not a count of processes" >&2
                return 1
                ;;
        esac
        [ "$jobs" -gt 1 ] || return 0
        if ! "$1" -c 'import xdist' 2>/dev/null; then
                echo "($1 has no pytest-xdist: the tests run one at a time)" >&2
                return 0
        fi
        echo "-n $jobs"
}
