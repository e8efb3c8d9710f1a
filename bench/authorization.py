"""The ``gestaltd-authz`` scenario: the bench call under an authorization section of ``RULES``
grants of the kinds operators write (exact names, globs, annotations, connections, denies on
other operations), every role assigned to the caller, so each call is decided against all of
them (the decision is then remembered per role set). Stdlib only."""

from __future__ import annotations

RULES = 50
ROLES = 10


def authorization_yaml(rules: int = RULES, roles: int = ROLES) -> str:
    kinds = (
        "{{integration: '*', operations: ['get_{i}_*', 'list_{i}_*']}}",
        "{{integration: '*', operations: ['delete_{i}_*'], effect: deny}}",
        "{{integration: benchcred, annotation: write, connections: [prod{i}]}}",
        "{{integration: benchcred, actions: [read]}}",
        "{{integration: bench, operations: ['nothing_{i}*'], effect: deny}}",
    )
    grants = [kinds[i % len(kinds)].format(i=i) for i in range(rules - 1)]
    grants.append("{integration: bench, operations: ['hel*'], annotation: read_only}")
    lines = ["authorization:", "  default: deny", "  roles:"]
    per_role = -(-len(grants) // roles)
    for r in range(roles):
        chunk = grants[r * per_role : (r + 1) * per_role]
        if chunk:
            lines.append(f"    role{r}:")
            lines += [f"      - {g}" for g in chunk]
    names = ", ".join(f"role{r}" for r in range(roles) if grants[r * per_role : (r + 1) * per_role])
    lines += ["  assignments:", f"    - {{subjects: [{{email: anonymous@gestalt}}], roles: [{names}]}}"]
    return "\n".join(lines) + "\n"
