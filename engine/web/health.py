"""``/health`` (always ok) and ``/ready`` (503 with a reason until providers and datastore are up)."""

from __future__ import annotations

from litestar import Response, get

from engine.web.dependencies import RuntimeDep


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready")
async def ready(runtime: RuntimeDep) -> Response[dict[str, str]]:
    reason = await runtime.readiness.reason()
    if reason:
        return Response({"status": reason}, status_code=503)
    return Response({"status": "ok"}, status_code=200)
