"""Item pipelines, one concern each, in ITEM_PIPELINES order (see README)."""
