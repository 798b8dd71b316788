"""Developer tools of the Sparkify project: the test and benchmark data generator."""
