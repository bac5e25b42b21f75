"""Scores from few ratings are pulled towards a neutral prior, so that three perfect scores do
not beat three hundred good ones (rankings, matching quality)."""

PRIOR_SCORE = 80.0  # a neutral 0-100 score
PRIOR_WEIGHT = 10  # counted as this many imaginary ratings


def bayesian_average(mean: float | None, count: int) -> float:
    count = max(0, count or 0)
    total = (mean or 0.0) * count
    return (PRIOR_SCORE * PRIOR_WEIGHT + total) / (PRIOR_WEIGHT + count)
