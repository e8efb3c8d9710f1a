"""The neutral surface toolkit: what every surface (web, mcp, bindings, pages) shares. Raw ASGI
I/O, credentials read from headers and cookies, the one error → HTTP mapping, the runtime record.

Surfaces import this package; it never imports a surface, so no surface imports another.
"""
