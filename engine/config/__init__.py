"""Config stage: files -> expanded text -> YAML (with line numbers) -> JSON Schema -> frozen specs."""
