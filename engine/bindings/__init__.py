"""The bindings surface: webhooks in and an authenticated forward proxy out, under
``/api/v1/bindings/<name>``, built once at startup from ``bindings.d`` and served by the gateway."""
