"""pycotcp: the Internet of Threads for Python.

Every process (or every adapter in a process) gets its own TCP/IP stack with
its own IPv4/IPv6 addresses, plugged into a VDE virtual Ethernet; the
``pycotcp.socket`` module is a drop-in replacement for ``socket``.

Explicit use::

    from pycotcp.adapters import LwipAdapter
    from pycotcp.pycotcp import Pyco, DeviceInfo
    import pycotcp.socket as socket

    context = LwipAdapter()
    ioth = Pyco(context=context)
    DeviceInfo(context=context).with_type("vde").with_name("vde0") \\
        .with_path("/tmp/sw.ctl").with_address("10.40.0.2") \\
        .with_netmask("255.255.255.0").create()
    ioth.start_handler()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, context=context)

Implicit use: ``pyco-wrapper script.py -a 10.40.0.2/24 -f /tmp/sw.ctl``.
"""
from pycotcp.adapters import (Adapter, FDPicoTCPAdapter, LwipAdapter,
                              Lwipv6Adapter, PicoTCPAdapter, VdestackAdapter,
                              adapter_for)
from pycotcp.pycotcp import DeviceInfo, Pyco

__version__ = "1.0.0"
__all__ = ["Adapter", "LwipAdapter", "VdestackAdapter", "Lwipv6Adapter",
           "PicoTCPAdapter", "FDPicoTCPAdapter", "adapter_for", "Pyco",
           "DeviceInfo"]
