"""Egress stage: credential injection, the outbound HTTP client, retries.

Everything that leaves the process for an upstream API goes through here.
"""
