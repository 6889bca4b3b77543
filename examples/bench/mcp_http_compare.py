"""Side by side over MCP Streamable HTTP with one client (the official Python
SDK, `mcp<2`): taskmux's daemon /mcp against the Python taskmux 0.9 daemon's.

    python3 -m venv target/py09 && target/py09/bin/pip install taskmux==0.9.11 'mcp<2'
    target/py09/bin/python examples/bench/mcp_http_compare.py URL STATUS_TOOL PID_OF_TASK [ARGS_JSON]

Prints one JSON line: initialize ms, status tool p50/p99 over 200 calls, and
kill -9 of PID_OF_TASK → the first notifications/message about it.
"""
import asyncio, json, os, signal, statistics, sys, time

from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client


async def main(url, status_tool, pid, args):
    got = asyncio.Event()
    seen = {}

    async def on_message(msg):
        m = getattr(msg, "root", msg)
        if getattr(m, "method", "") == "notifications/message" and "t" not in seen:
            seen["t"] = time.perf_counter()
            got.set()

    async with streamablehttp_client(url) as (r, w, _):
        async with ClientSession(r, w, message_handler=on_message) as s:
            t = time.perf_counter()
            await s.initialize()
            init_ms = (time.perf_counter() - t) * 1e3
            samples = []
            for i in range(220):
                t = time.perf_counter()
                res = await s.call_tool(status_tool, args)
                if res.isError:
                    raise SystemExit(f"{status_tool}: {res.content}")
                if i >= 20:
                    samples.append((time.perf_counter() - t) * 1e3)
            samples.sort()
            await asyncio.sleep(0.5)
            t = time.perf_counter()
            os.kill(pid, signal.SIGKILL)
            try:
                await asyncio.wait_for(got.wait(), 30)
                notice_ms = (seen["t"] - t) * 1e3
            except asyncio.TimeoutError:
                notice_ms = None
    print(json.dumps({
        "initialize_ms": round(init_ms, 2),
        "status_p50_ms": round(statistics.median(samples), 2),
        "status_p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2),
        "kill_to_notice_ms": None if notice_ms is None else round(notice_ms, 1),
    }))


if __name__ == "__main__":
    url, tool, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    asyncio.run(main(url, tool, pid, args))
