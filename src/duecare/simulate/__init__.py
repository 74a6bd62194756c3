"""The outcome simulator and strategy optimiser (issue #19): what a strategy does to recovery, cost, visits and
borrowers, measured by running the real decision engine day by day against the synthetic portfolio's true
behaviour segments."""
