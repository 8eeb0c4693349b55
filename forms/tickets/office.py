"""The office's review forms: reply review (审核答复) and evaluation (回访评价); the redo decision is in
``forms.oversight``."""
from __future__ import annotations

from engine.domain.states import (
    DISSATISFIED,
    DISSATISFIED_MESSAGE,
    METHOD_LABELS,
    RATING_LABELS,
    EvaluationMethod,
    Rating,
)

from ..base import Choice, CommandForm, Radio, blank, options, text

REVIEW_CHOICES = options([("accept", "审核通过，转回访"), ("back", "退回经办人重新答复")])
RATING_CHOICES = options((r.value, RATING_LABELS[r]) for r in Rating if r != Rating.NONE)
METHOD_CHOICES = options((m.value, METHOD_LABELS[m]) for m in EvaluationMethod if m != EvaluationMethod.TIMEOUT)


class ReviewForm(CommandForm):
    """审核答复."""

    decision = Radio("审核结论", choices=REVIEW_CHOICES, required="请选择审核通过或退回重新答复")
    reason = text("退回理由", 2000, required=False, area=True)

    def to_command(self) -> dict:
        return {"decision": self.decision.data, "reason": self.reason.data}


class RatingsForm(CommandForm):
    intake_rating = Radio("对热线受理的评价", choices=RATING_CHOICES,
                          required="请选择对热线受理的评价（非常满意/满意/基本满意/不满意/非常不满意）")
    handling_rating = Radio("对承办单位办理的评价", choices=RATING_CHOICES, required="请选择对承办单位办理的评价")
    comment = text("评价意见（不满意、非常不满意的须写明理由）", 2000, required=False, area=True)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Not a validate_comment method: the optional field's own check stops the chain when it is empty.
        if not self.comment.data and any(f is not None and f.data in DISSATISFIED
                                         for f in (self.intake_rating, self.handling_rating)):
            self.comment.errors = [*self.comment.errors, DISSATISFIED_MESSAGE]
            return False
        return ok

    def drop_handling(self) -> None:
        """A ticket answered at once or never dispatched has only the intake to rate."""
        del self.handling_rating

    def ratings_command(self) -> dict:
        data = {"intake_rating": self.intake_rating.data, "comment": self.comment.data}
        if self.handling_rating is not None:
            data["handling_rating"] = self.handling_rating.data
        return data


class EvaluateForm(RatingsForm):
    """回访评价, recorded by the office."""

    method = Choice("评价方式", choices=[blank(), *METHOD_CHOICES], default="callback",
                    required="请选择评价方式")

    def to_command(self) -> dict:
        return {**self.ratings_command(), "method": self.method.data}
