"""The explicit API of the original PycoTCP: Pyco and the DeviceInfo builder.

``DeviceInfo(context=ctx).with_type("vde").with_name("vde0")
.with_path("/tmp/sw.ctl").with_address("10.40.0.2").with_netmask(
"255.255.255.0").create()`` plugs an interface into a VDE network and
configures it; ``Pyco(context=ctx)`` makes ctx the stack of sockets
created without an explicit context.
"""
from __future__ import annotations

import errno
import ipaddress
import os
import re
from typing import Optional, Union

from pycotcp import _ioth
from pycotcp import adapters
from pycotcp.adapters import Adapter

# libvdeplug URL schemes (vde_plug(1)) and "ouroboros" (this project's
# plugin, libvdeplug_ouroboros(7): a broadcast layer as a hub); "vde"
# with a path is the default.
SCHEMES = ("vde", "ptp", "tap", "slirp", "vxvde", "vxlan", "udp", "switch",
           "hub", "cmd", "null", "seqpacket", "multi", "bonding",
           "ouroboros")
_MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")


class Pyco:
    """A running Internet-of-Threads stack bound to one adapter."""

    def __init__(self, context: Optional[Adapter] = None) -> None:
        if context is None:
            context = adapters.LwipAdapter()
        if not isinstance(context, Adapter):
            raise TypeError("context must be a pycotcp adapter, not %s"
                            % type(context).__name__)
        self.context = context
        context.stack       # create it now: errors surface here
        adapters.set_default(context)
        self.running = False

    def start_handler(self) -> None:
        """Start serving (the stacks run their own threads; this marks the
        adapter as the default one for pycotcp.socket)."""
        self.context.stack
        adapters.set_default(self.context)
        self.running = True

    def stop_handler(self) -> None:
        """Stop: close every socket and interface of the stack."""
        self.running = False
        self.context.close()

    def __enter__(self) -> "Pyco":
        self.start_handler()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_handler()


def _prefix_from_netmask(netmask: Union[str, int], family: int) -> int:
    """Turn '255.255.255.0', '24', 24 or 'ffff:ffff::' into a prefix."""
    maxbits = 32 if family == 2 else 128
    if isinstance(netmask, int) and not isinstance(netmask, bool):
        bits = netmask
    elif isinstance(netmask, str) and netmask.strip().isdigit():
        bits = int(netmask)
    elif isinstance(netmask, str):
        try:
            cls = ipaddress.IPv4Network if family == 2 else \
                ipaddress.IPv6Network
            bits = cls(("0.0.0.0/" if family == 2 else "::/") + netmask
                       ).prefixlen
        except ValueError:
            raise ValueError("invalid netmask %r" % netmask) from None
    else:
        raise ValueError("invalid netmask %r" % (netmask,))
    if not 0 <= bits <= maxbits:
        raise ValueError("invalid netmask %r: prefix must be 0-%d"
                         % (netmask, maxbits))
    return bits


def vde_url(devtype: Optional[str], path: Optional[str]) -> str:
    """Build a libvdeplug URL from a device type and path (or URL)."""
    if not path and devtype in (None, "", "vde"):
        raise ValueError("a VDE device needs a path (the switch control "
                         "directory, e.g. /tmp/vde.ctl)")
    path = path or ""
    if "://" in path:
        scheme = path.split("://", 1)[0]
        if scheme not in SCHEMES:
            raise ValueError("unsupported VDE URL scheme %r in %r (known: %s)"
                             % (scheme, path, ", ".join(SCHEMES)))
        return path
    devtype = (devtype or "vde").lower()
    if devtype not in SCHEMES:
        raise ValueError("unknown device type %r (known: %s)"
                         % (devtype, ", ".join(SCHEMES)))
    if devtype == "vde":
        if not os.path.exists(path):
            raise FileNotFoundError(errno.ENOENT, "no VDE switch at %s (start "
                                    "one with pyco-vde-setup start, or use "
                                    "pyco-wrapper -c)" % path, path)
        return "vde://" + path
    return "%s://%s" % (devtype, path)


class DeviceInfo:
    """Builder of a network interface of a stack (seed-compatible)."""

    def __init__(self, context: Optional[Adapter] = None) -> None:
        self.context = context or adapters.get_default()
        if self.context is None:
            raise ValueError("DeviceInfo needs a context (an adapter)")
        self.devtype: Optional[str] = "vde"
        self.name: Optional[str] = None
        self.path: Optional[str] = None
        self.address: Optional[str] = None
        self.netmask: Optional[Union[str, int]] = None
        self.address6: list = []
        self.gateway: Optional[str] = None
        self.gateway6: Optional[str] = None
        self.mac: Optional[str] = None
        self.mtu: Optional[int] = None
        self.autoconf6 = False
        self.dhcp = False
        self.ifindex: Optional[int] = None

    def with_type(self, devtype: str) -> "DeviceInfo":
        """Device type: a libvdeplug scheme ('vde', 'ptp', 'vxvde'...)."""
        self.devtype = devtype
        return self

    def with_name(self, name: str) -> "DeviceInfo":
        """Interface name (at most 15 characters)."""
        if not name or len(name) > 15 or not name.isprintable() \
                or "/" in name or " " in name:
            raise ValueError("invalid interface name %r" % (name,))
        self.name = name
        return self

    def with_path(self, path: str) -> "DeviceInfo":
        """Switch control directory, or a full libvdeplug URL."""
        self.path = path
        return self

    def with_address(self, address: str) -> "DeviceInfo":
        """IPv4 or IPv6 address, optionally ADDR/BITS."""
        _ioth.parse_addr(address)       # ValueError if malformed
        self.address = address
        return self

    def with_netmask(self, netmask: Union[str, int]) -> "DeviceInfo":
        """Netmask ('255.255.255.0') or prefix length (24)."""
        self.netmask = netmask
        return self

    def with_address6(self, address: str) -> "DeviceInfo":
        """An extra IPv6 address ADDR[/BITS] (default /64)."""
        fam = _ioth.parse_addr(address)[0]
        if fam != 10:
            raise ValueError("not an IPv6 address: %r" % address)
        self.address6.append(address)
        return self

    def with_gateway(self, gateway: str) -> "DeviceInfo":
        """Default gateway (IPv4 or IPv6)."""
        fam, _, bits = _ioth.parse_addr(gateway)
        if bits != -1:
            raise ValueError("a gateway has no prefix: %r" % gateway)
        if fam == 2:
            self.gateway = gateway
        else:
            self.gateway6 = gateway
        return self

    def with_mac(self, mac: str) -> "DeviceInfo":
        """MAC address aa:bb:cc:dd:ee:ff (unicast)."""
        if not _MAC.match(mac or "") or int(mac[:2], 16) & 1:
            raise ValueError("invalid unicast MAC address %r" % (mac,))
        self.mac = mac
        return self

    def with_mtu(self, mtu: int) -> "DeviceInfo":
        """Interface MTU, 68..9216 (default 1500).  Above 1500 (jumbo
        frames) every station must take such frames: vde_switch cuts
        frames at 1518 bytes; vdeplug4's switch (vde_plug null://
        switch://CTL) carries them.  lwip and vdestack only."""
        if isinstance(mtu, bool) or not isinstance(mtu, int) or \
                not 68 <= mtu <= 9216:
            raise ValueError("MTU must be an integer in 68..9216, not %r"
                             % (mtu,))
        self.mtu = mtu
        return self

    def with_autoconf(self, slaac: bool = True, dhcp: bool = False
                      ) -> "DeviceInfo":
        """Dynamic configuration where the back-end offers it."""
        self.autoconf6 = slaac
        self.dhcp = dhcp
        return self

    def _add(self, stack, text: str, netmask=None, default6: int = 64) -> None:
        fam, packed, bits = _ioth.parse_addr(text)
        if netmask is not None:
            if bits != -1:
                raise ValueError("address %r has a prefix and a netmask"
                                 % text)
            bits = _prefix_from_netmask(netmask, fam)
        if bits == -1:
            bits = 24 if fam == 2 else default6
        try:
            stack.addr_add(self.ifindex, fam, packed, bits)
        except OSError as e:
            raise type(e)(e.errno, "cannot add address %s/%d on %s back-end: "
                          "%s%s" % (text.split("/")[0], bits,
                                    self.context.backend, e.strerror,
                                    " (lwip supports only /64 IPv6 prefixes)"
                                    if e.errno == errno.EOPNOTSUPP else "")
                          ) from None

    def create(self) -> "DeviceInfo":
        """Create the interface and configure it; returns self."""
        url = vde_url(self.devtype, self.path)
        stack = self.context.stack
        try:
            self.ifindex = stack.if_add(url, self.name)
        except OSError as e:
            raise type(e)(e.errno, "cannot plug into %s: %s" % (
                url, e.strerror), url) from None
        if self.mtu is not None:
            try:
                stack.set_mtu(self.ifindex, self.mtu)
            except OSError as e:
                raise type(e)(e.errno, "cannot set MTU %d on %s back-end: %s"
                              % (self.mtu, self.context.backend, e.strerror)
                              ) from None
        if self.mac:
            stack.set_mac(self.ifindex, bytes.fromhex(self.mac.replace(":",
                                                                        "")))
        if self.address:
            self._add(stack, self.address, self.netmask)
        for a6 in self.address6:
            self._add(stack, a6)
        if self.gateway:
            stack.route_add(2, _ioth.parse_addr(self.gateway)[1])
        if self.gateway6:
            stack.route_add(10, _ioth.parse_addr(self.gateway6)[1])
        if self.autoconf6:
            stack.autoconf(self.ifindex, 10)
        if self.dhcp:
            stack.autoconf(self.ifindex, 2)
        self.context.devices.append(self)
        return self
