"""Test helpers: real servers on loopback (fake upstreams) and config builders."""
