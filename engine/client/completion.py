"""Shell completion: ``gestalt completion bash|zsh`` prints a small script that asks
``gestalt __complete WORDS…`` for the candidates, so commands, options and even integration and
operation names (from the server, when reachable) complete from one source: the parser itself."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Sequence

from engine.client.context import Context
from engine.client.errors import ClientError

_BASH = r"""# gestalt completion for bash: eval "$(gestalt completion bash)"
_gestalt() {
    local IFS=$'\n'
    COMPREPLY=($(gestalt __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _gestalt gestalt
"""
_ZSH = '#compdef gestalt\n# gestalt completion for zsh: eval "$(gestalt completion zsh)"\n' + (
    "autoload -U +X bashcompinit && bashcompinit\n" + _BASH.split("\n", 1)[1]
)
_DYNAMIC = {"integration", "name", "operation"}


def print_script(ctx: Context) -> int:
    ctx.out.write(_BASH if ctx.args.shell == "bash" else _ZSH)
    return 0


def complete_words(root: argparse.ArgumentParser, ctx: Context) -> int:
    """``root``: the parser itself, the one source of truth (bound by ``cli.build_parser``)."""
    words = list(ctx.args.words) or [""]
    if "--url" in words[:-2]:
        ctx.use_url(words[words.index("--url") + 1])
    if getattr(ctx.args, "timeout", None) is None:
        ctx.args.timeout = 2.0  # a completion that waits on a slow server is worse than none
    for candidate in candidates(root, words, ctx):
        ctx.out.write(candidate + "\n")
    return 0


def candidates(root: argparse.ArgumentParser, words: Sequence[str], ctx: Context | None = None) -> list[str]:
    """Completions of ``words[-1]`` after ``words[:-1]`` (the words after ``gestalt``)."""
    parser, pending = root, None
    positionals: list[str] = []
    for word in words[:-1]:
        if pending is not None:
            pending = None
            continue
        if word.startswith("-"):
            pending = _takes_value(parser, word)
            continue
        child = _subcommands(parser).get(word)
        if child is not None:
            parser, positionals = child, []
        else:
            positionals.append(word)
    current = words[-1]
    if pending is not None:
        return _prefixed(list(pending.choices or ()), current)
    if current.startswith("-"):
        return _prefixed([o for a in parser._actions for o in a.option_strings], current)
    children = _subcommands(parser)
    if children:
        return _prefixed([n for n in children if not n.startswith("_")], current)
    return _prefixed(_positional_values(parser, positionals, ctx), current)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _takes_value(parser: argparse.ArgumentParser, option: str) -> argparse.Action | None:
    for action in parser._actions:
        if option in action.option_strings and action.nargs != 0:
            return action
    return None


def _positional_values(parser: argparse.ArgumentParser, before: list[str], ctx: Context | None) -> list[str]:
    slots = [a for a in parser._actions if not a.option_strings and a.dest != "help"]
    if len(before) >= len(slots):
        return []
    slot = slots[len(before)]
    if slot.choices:
        return list(slot.choices)
    if ctx is None or slot.dest not in _DYNAMIC:
        return []
    with contextlib.suppress(ClientError):
        client = ctx.client()
        if slot.dest == "operation" and before:
            return [str(op.get("id")) for op in client.operations(before[-1])]
        if slot.dest != "operation":
            return [str(i.get("name")) for i in client.integrations()]
    return []


def _prefixed(options: list[str], prefix: str) -> list[str]:
    return sorted({o for o in options if o.startswith(prefix)})
