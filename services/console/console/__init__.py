"""The county workbench (工作台): pages in Chinese on the four services' own APIs."""
