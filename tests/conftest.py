"""tests/ is a package: pytest puts the repository's root on sys.path, so tests import ``vae_core``,
``vae_ui``, ``app_pages`` and their own helpers (``tests.apptest_helpers``, ``tests.browser.harness``) by name."""
