"""Build and install pycotcp (offline: setuptools from python3-setuptools).

The C extension pycotcp._ioth compiles the Internet-of-Threads core from
src/ioth/ of this repository together with its CPython binding.
"""
import os
import subprocess
import sys

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
IOTH = os.path.normpath(os.path.join(HERE, "..", "..", "src", "ioth"))
# every .c file at the top of src/ioth is the library (tests/ is apart)
IOTH_SOURCES = sorted(f for f in os.listdir(IOTH) if f.endswith(".c")) \
    if os.path.isdir(IOTH) else []


def pkg_config(flag, pkg, default):
    """Return pkg-config output split in words, or default if it fails."""
    try:
        out = subprocess.run(["pkg-config", flag, pkg], check=True,
                             capture_output=True, text=True).stdout
        return out.split()
    except (OSError, subprocess.CalledProcessError):
        return default


if not os.path.isfile(os.path.join(IOTH, "ioth.h")):
    sys.exit("pycotcp: the C core is expected in %s; build from a checkout "
             "of the repository" % IOTH)

lwip_cflags = pkg_config("--cflags-only-I", "lwip", ["-I/usr/include/lwip"])
ext = Extension(
    "pycotcp._ioth",
    sources=["src/iothmodule.c"] + [os.path.join(IOTH, f)
                                    for f in IOTH_SOURCES],
    include_dirs=[IOTH] + [f[2:] for f in lwip_cflags],
    define_macros=[("_GNU_SOURCE", None)],
    libraries=["lwip", "vdeplug", "dl", "pthread"],
    extra_compile_args=["-O2", "-Wall", "-fvisibility=hidden"],
)

setup(
    name="pycotcp",
    version="1.0.0",
    description="Internet of Threads: a TCP/IP stack and IP address per "
                "Python process, on VDE",
    packages=["pycotcp"],
    ext_modules=[ext],
    python_requires=">=3.9",
    entry_points={
        "console_scripts": [
            "pyco-wrapper = pycotcp.wrapper:main",
            "pyco-vde-setup = pycotcp.vdesetup:main",
        ],
    },
)
