#!/usr/bin/python3
"""Build and install pyOuroboros (the ``ouroboros`` package).

The C extension ``ouroboros._dev`` links with libouroboros-dev. Where to
find it, in this order:

- ``OURO_INCLUDE_DIRS`` / ``OURO_LIBRARY_DIRS`` (os.pathsep separated),
  e.g. an uninstalled build tree; library dirs are also set as rpath;
- ``pkg-config ouroboros-dev``;
- ``/usr/local/include`` and ``/usr/local/lib``.

Offline and without build isolation::

    python3 -m pip install --no-build-isolation ./python/ouroboros
    ./setup.py install
"""

import os
import shutil
import subprocess

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def _split(var):
    v = os.environ.get(var, "")
    return [p for p in v.split(os.pathsep) if p]


def _pkg_config(flag):
    if shutil.which("pkg-config") is None:
        return None
    try:
        out = subprocess.run(["pkg-config", flag, "ouroboros-dev"],
                             check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return [t[2:] for t in out.stdout.split() if t[:2] in ("-I", "-L")]


def _dirs():
    inc = _split("OURO_INCLUDE_DIRS")
    lib = _split("OURO_LIBRARY_DIRS")
    rpath = list(lib)
    if not inc:
        inc = _pkg_config("--cflags-only-I") or ["/usr/local/include"]
    if not lib:
        lib = _pkg_config("--libs-only-L") or ["/usr/local/lib"]
    return inc, lib, rpath


INC, LIB, RPATH = _dirs()

ext = Extension(
    "ouroboros._dev",
    sources=["src/_devmodule.c", "src/flow.c", "src/flow_ctl.c", "src/alloc.c",
             "src/fset.c", "src/irm.c"],
    depends=["src/pyouro.h"],
    include_dirs=INC,
    library_dirs=LIB,
    runtime_library_dirs=RPATH,
    libraries=["ouroboros-dev"],
    extra_compile_args=["-std=gnu11", "-Wall", "-Wextra",
                        "-Wno-missing-field-initializers",
                        "-Wno-cast-function-type"],
)

setup(
    name="pyouroboros",
    version="0.22.0",
    description="Python API for the Ouroboros recursive network",
    long_description=open(os.path.join(HERE, "README.md")).read()
    if os.path.exists(os.path.join(HERE, "README.md")) else "",
    long_description_content_type="text/markdown",
    license="LGPL-2.1",
    packages=["ouroboros"],
    package_data={"ouroboros": ["py.typed", "*.pyi"]},
    ext_modules=[ext],
    python_requires=">=3.9",
    zip_safe=False,
)
