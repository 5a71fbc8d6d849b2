"""The lecture: presenting a deck scene by scene, the class vote (the lecturer's side and its store), and writing
a deck in the sidebar."""
