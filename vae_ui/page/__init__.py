"""The kit pages draw with: the page frame, the figure pipeline, the focus area of a presented scene, training with
its progress, the ladder against the truth, formulas and source, the page's data."""
