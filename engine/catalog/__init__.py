"""Catalogue apps → integrations: the public provider catalogue's camelCase ``manifest.yaml``
translated into a ``providers.d/<name>.yaml`` document, plus the list of what the format cannot
express. Pure: dictionaries in, dictionaries out; ``gestaltd import`` does the file I/O."""
