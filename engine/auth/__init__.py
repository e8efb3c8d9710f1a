"""Platform identity, beside the broker: who is calling (sessions, API tokens) and how people log in
(none, local, oidc, google). ``platform.build_platform_auth`` is what bootstrap installs."""
