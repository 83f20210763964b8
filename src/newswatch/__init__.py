"""newswatch: watch the news about a topic and say, with evidence, what changed."""

__version__ = "0.1.0"
