"""Root of monitoring's tests: the real-stack plugin, and the order packages run in.

Each test package starts its own app, and every app's consumer joins the broker's "monitoring" group.
Two apps alive at once would split the partitions between them (an event could reach the other app), so
each package's app is package-scoped and ``core`` runs first: its app has left the group before the
next package's app starts.
"""

pytest_plugins = ["backstop_common.testing"]


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: 0 if "/tests/core/" in f"/{item.nodeid}" else 1)
