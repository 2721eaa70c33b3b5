#!/usr/bin/env python3
"""Opens N TLS connections to 127.0.0.1:PORT, sends one keep-alive system.ping on each (so each
is a real, idle keep-alive client rather than a half-open handshake), then holds them all.

Usage: idle_connections.py PORT CA_FILE COUNT HOLD_SECONDS
Prints "READY <open>" once every connection has its first response, holds for HOLD_SECONDS
(keep it under the server's 60 s idle timeout) or until SIGTERM/SIGINT, then sends a second
ping on every connection and prints "ALIVE <n>" (how many were still served) before closing.
"""
import asyncio
import signal
import ssl
import sys

BODY = b'{"jsonrpc":"2.0","id":1,"method":"system.ping"}'
REQUEST = (b"POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n" % len(BODY)) + BODY


async def ping(reader, writer):
    writer.write(REQUEST)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    return head.startswith(b"HTTP/1.1 200") and b'"result"' in body


async def open_one(port, context, gate):
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="127.0.0.1")
        if not await ping(reader, writer):
            raise RuntimeError("first ping failed")
        return reader, writer


async def still_alive(reader, writer):
    try:
        return await asyncio.wait_for(ping(reader, writer), 10)
    except Exception as error:
        print(f"lost: {error!r}", file=sys.stderr, flush=True)
        return False


async def main():
    port, ca_file, count, hold = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    context = ssl.create_default_context(cafile=ca_file)
    context.set_alpn_protocols(["http/1.1"])
    gate = asyncio.Semaphore(50)
    connections = await asyncio.gather(*(open_one(port, context, gate) for _ in range(count)))
    print(f"READY {len(connections)}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), hold)
    except asyncio.TimeoutError:
        pass
    alive = await asyncio.gather(*(still_alive(r, w) for r, w in connections))
    print(f"ALIVE {sum(alive)}", flush=True)
    for _, writer in connections:
        writer.close()


if __name__ == "__main__":
    asyncio.run(main())
