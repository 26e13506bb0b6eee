"""The personal dashboard: HTML pages for a person's browser (and the Teams personal tab)."""
