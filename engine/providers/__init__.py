"""Providers stage: compiled integrations bound to the outbound client; rendering and executing a call.

Below the broker, above egress: ``build.py`` binds what ``engine.compiler`` produced to an ``HttpClient``.
"""
