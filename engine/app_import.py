"""``gestaltd import APP_DIR``: the file side of importing a catalogue app. Reads the app's
``manifest.yaml``, has ``engine.catalog`` translate it, copies the documents it names (the OpenAPI
document, the icon) to ``providers.d/<name>/`` and writes ``providers.d/<name>.yaml`` with what
could not be expressed listed at its top."""

from __future__ import annotations

import os
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from engine.catalog.fields import summarised
from engine.catalog.manifest import ManifestError, Translation, translate
from engine.config.schemas import PROVIDER, schema_dir

MANIFEST = "manifest.yaml"


class ImportFailed(Exception):
    """Nothing was written: the app directory cannot be imported as it is."""


@dataclass(frozen=True, slots=True)
class Imported:
    path: Path
    translation: Translation
    copied: tuple[Path, ...]
    notes: tuple[str, ...]
    """The header's lines about what was left out, as printed."""


def import_app(app_dir: Path, providers_dir: Path, name: str = "", overwrite: bool = False) -> Imported:
    translation = translate(_manifest(app_dir), name or app_dir.name.lower())
    target = providers_dir / f"{translation.name}.yaml"
    if target.exists() and not overwrite:
        raise ImportFailed(f"{target} exists already (--force replaces it)")
    missing = _missing_documents(app_dir, translation)
    provider = translation.provider
    if missing:
        provider = {k: v for k, v in provider.items() if k != "icon_file"}
    notes = tuple(summarised(translation.losses)) + tuple(
        f"iconFile: {source} is not in the app directory: left out" for source in missing
    )
    providers_dir.mkdir(parents=True, exist_ok=True)
    copied = tuple(_copy(app_dir / source, providers_dir / dest) for source, dest in translation.documents
                   if source not in missing)  # fmt: skip
    text = header(translation, notes, target) + yaml.safe_dump(
        provider, sort_keys=False, allow_unicode=True, width=100
    )
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)
    return Imported(target, translation, copied, notes)


def header(translation: Translation, notes: tuple[str, ...], target: Path) -> str:
    schema = os.path.relpath(schema_dir() / PROVIDER, target.parent)
    origin = " ".join(x for x in (translation.source, translation.version) if x) or "a catalogue app"
    lines = [
        f"# yaml-language-server: $schema={schema}",
        "#",
        *_wrapped(f"Imported by `gestaltd import` from {origin} (its manifest.yaml). Edit freely.", "# "),
    ]
    if translation.environment:
        names = ", ".join(translation.environment)
        needed = f"Set before serving: {names} (the OAuth client registered with the provider; or replace "
        lines += ["#", *_wrapped(needed + "them with secret://NAME references).", "# ")]
    if notes:
        lines += ["#", "# Not expressible in gestaltd's format (left out or approximated):"]
        lines += [line for note in notes for line in _wrapped(note, "#   - ", "#     ")]
    return "\n".join(lines) + "\n"


def _wrapped(text: str, first: str, rest: str = "") -> list[str]:
    return textwrap.wrap(
        text, 100, initial_indent=first, subsequent_indent=rest or first, break_on_hyphens=False
    )


def _manifest(app_dir: Path) -> object:
    path = app_dir / MANIFEST
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportFailed(f"{path}: not found (an app directory holds a manifest.yaml)") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ImportFailed(f"{path}: {exc}") from exc


def _missing_documents(app_dir: Path, translation: Translation) -> set[str]:
    """Icons that are absent are left out; any other absent or outside document stops the import."""
    root = app_dir.resolve()
    missing = set()
    icon = translation.provider.get("icon_file", "")
    for source, dest in translation.documents:
        path = (app_dir / source).resolve()
        if path.is_relative_to(root) and path.is_file():
            continue
        if dest != icon:
            raise ImportFailed(
                f"{app_dir / MANIFEST}: names {source}, which is not a file in the app directory"
            )
        missing.add(source)
    return missing


def _copy(source: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    return dest


__all__ = ["ImportFailed", "Imported", "ManifestError", "import_app"]
