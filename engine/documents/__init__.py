"""Documents stage, before compiling: the OpenAPI documents and GraphQL introspection results spec
surfaces compile from, read from files, prepared state (``gestaltd init``) or the network (through
the engine's outbound client), parsed once and handed to the compiler as ``Sources``."""
