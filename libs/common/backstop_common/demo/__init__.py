"""The demo county 清河区 (211204), generated reproducibly from a seed (``backstop seed``)."""
