pytest_plugins = ["backstop_common.testing", "pytester"]
