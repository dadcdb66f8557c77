"""Bulk import of the national systems' household/member lists (shared/national-export-layout.md)."""
