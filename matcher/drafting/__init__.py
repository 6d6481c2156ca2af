"""Vacancy drafting for employers: suggest competences, draft from free text, check wording and requirements."""
from matcher.drafting.draft import CheckResult, DraftResult, VacancyDrafting
from matcher.drafting.impact import RELEVANT_COVERAGE, RequirementImpact, diploma_level, requirement_impacts
from matcher.drafting.suggest import Suggestion, SuggestResult, suggest
from matcher.drafting.wording import CheckWarning, Rule, TextSpan, check_text

__all__ = ["RELEVANT_COVERAGE", "CheckResult", "CheckWarning", "DraftResult", "RequirementImpact", "Rule",
           "SuggestResult", "Suggestion", "TextSpan", "VacancyDrafting", "check_text", "diploma_level",
           "requirement_impacts", "suggest"]
