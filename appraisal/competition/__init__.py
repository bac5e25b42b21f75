"""The quality-course competition (精品课评选, G8b) and its 三优先 for the winners."""
