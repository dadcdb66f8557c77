"""Every registry query lives in this package (one module per aggregate family)."""
