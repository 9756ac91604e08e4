"""Unmodified asyncio echo: 'serve PORT' or 'client HOST PORT'."""
import asyncio
import sys


async def handle(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line.upper())
        await writer.drain()
    writer.close()


async def serve(port):
    server = await asyncio.start_server(handle, "0.0.0.0", port)
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


async def client(host, port):
    reader, writer = await asyncio.open_connection(host, port)
    for i in range(50):
        writer.write(b"hello %d\n" % i)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 10)
        assert line == b"HELLO %d\n" % i, line
    writer.close()
    await writer.wait_closed()
    print("ASYNC OK", flush=True)


if sys.argv[1] == "serve":
    asyncio.run(serve(int(sys.argv[2])))
else:
    asyncio.run(client(sys.argv[2], int(sys.argv[3])))
