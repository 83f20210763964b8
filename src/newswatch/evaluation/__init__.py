"""Evaluations of the enrichment stages on public annotated corpora."""
