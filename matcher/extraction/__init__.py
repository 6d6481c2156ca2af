"""Competence extraction from free text (vacancies, CVs, self-descriptions)."""
from matcher.extraction.extractor import CompetenceExtractor
from matcher.extraction.results import KINDS, ExtractedCompetence, ExtractedRequirement, Extraction, Span

__all__ = ["KINDS", "CompetenceExtractor", "ExtractedCompetence", "ExtractedRequirement", "Extraction", "Span"]
