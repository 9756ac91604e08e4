"""pyOuroboros: the Python API of the Ouroboros recursive network.

Modules:

- :mod:`ouroboros.dev`    flows: ``flow_alloc``, ``flow_accept``, ``Flow`` ...
- :mod:`ouroboros.event`  ``FlowSet``, ``FEventQueue``, ``FEventType``
- :mod:`ouroboros.qos`    ``QoSSpec`` and the presets
- :mod:`ouroboros.irm`    management (IPCPs, names, bindings)
- :mod:`ouroboros.aio`    asyncio integration
- :mod:`ouroboros.errors` the exception hierarchy

Importing the package itself loads nothing of the C library.
"""

__version__ = "0.22.0"
