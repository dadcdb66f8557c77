"""Registry API shapes."""
