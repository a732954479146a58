pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.images",
    "tests.fixtures.pipeline",
    "tests.fixtures.receiver",
]
