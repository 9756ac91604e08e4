"""Name resolution for stacks: numeric addresses and hosts files, no DNS.

Looks up /etc/hosts and the file named by $PYCO_HOSTS (checked first), so
names never leak to the host's DNS from a private stack.
"""
from __future__ import annotations

import _socket
import ipaddress
import os
from typing import List, Optional, Tuple

AF_INET = _socket.AF_INET
AF_INET6 = _socket.AF_INET6
HOSTS = "/etc/hosts"


def _files() -> List[str]:
    extra = os.environ.get("PYCO_HOSTS")
    return ([extra] if extra else []) + [HOSTS]


def _entries() -> List[Tuple[str, List[str]]]:
    out = []
    for path in _files():
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    words = line.split("#", 1)[0].split()
                    if len(words) >= 2:
                        out.append((words[0], words[1:]))
        except OSError:
            continue
    return out


def numeric(host: str) -> Optional[Tuple[int, str]]:
    """(family, canonical text) if host is a numeric address, else None."""
    h = host.split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return None
    return (AF_INET if ip.version == 4 else AF_INET6, str(ip))


def lookup(name: str) -> List[Tuple[int, str]]:
    """Addresses for a name: numeric, or from the hosts files."""
    num = numeric(name)
    if num is not None:
        return [num]
    low = name.lower().rstrip(".")
    res = []
    for addr, names in _entries():
        if low in (n.lower() for n in names):
            num = numeric(addr)
            if num is not None and num not in res:
                res.append(num)
    return res


def reverse(addr: str) -> Optional[Tuple[str, List[str]]]:
    """(name, aliases) for an address from the hosts files."""
    num = numeric(addr)
    if num is None:
        return None
    for a, names in _entries():
        n2 = numeric(a)
        if n2 is not None and n2[1] == num[1]:
            return names[0], names[1:]
    return None
