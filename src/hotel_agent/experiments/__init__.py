"""A/B tests of reply wording: assignment, exposures, outcomes and statistics (issue 12, plan D.5)."""
