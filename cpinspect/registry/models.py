"""Reference data: forces, councils, inspectorates and published grades. All of it is public."""

from django.core.validators import RegexValidator
from django.db import models

from cpinspect.audittrail.tracking import track_changes
from cpinspect.editing.models import Versioned


class Country(models.TextChoices):
    ENGLAND = "england", "England"
    WALES = "wales", "Wales"


class InspectionGrade(models.TextChoices):
    """A force's grade, given by an inspection or by PEEL, on its programme's scale (the scale
    decides which apply); a case file's three-point grade is ``assessments.CaseGrade``."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    ADEQUATE = "adequate", "Adequate"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class GradeScale(models.TextChoices):
    FOUR_POINT = "four_point", "Four grades (to 2018/19)"
    FIVE_POINT = "five_point", "Five grades, with adequate (from 2021/22)"


SCALE_GRADES = {
    GradeScale.FOUR_POINT: [
        InspectionGrade.OUTSTANDING,
        InspectionGrade.GOOD,
        InspectionGrade.REQUIRES_IMPROVEMENT,
        InspectionGrade.INADEQUATE,
    ],
    GradeScale.FIVE_POINT: [
        InspectionGrade.OUTSTANDING,
        InspectionGrade.GOOD,
        InspectionGrade.ADEQUATE,
        InspectionGrade.REQUIRES_IMPROVEMENT,
        InspectionGrade.INADEQUATE,
    ],
}


@track_changes()
class Inspectorate(Versioned):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40)
    is_lead = models.BooleanField(
        default=False, help_text="The police inspectorate; the others are partners."
    )
    left_joint_programme_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_lead", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_lead"], condition=models.Q(is_lead=True), name="one_lead_inspectorate"
            )
        ]

    def __str__(self):
        return self.name


force_code_validator = RegexValidator(
    r"^(E23\d{6}|W15\d{6})$", "A force code is E23 or W15 followed by six digits."
)


@track_changes()
class Force(Versioned):
    code = models.CharField(max_length=9, unique=True, validators=[force_code_validator])
    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=10, choices=Country.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@track_changes()
class Council(Versioned):
    """An upper-tier council: the children's services authority for its area."""

    code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=100)
    name_welsh = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=10, choices=Country.choices)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="councils")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@track_changes()
class PublishedGrade(Versioned):
    """A grade a force received in a published assessment, with where it was stated."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="published_grades")
    assessment = models.CharField(max_length=120, help_text="e.g. PEEL 2016 effectiveness")
    year = models.PositiveSmallIntegerField()
    question = models.CharField(max_length=200)
    scale = models.CharField(max_length=12, choices=GradeScale.choices)
    grade = models.CharField(max_length=24, choices=InspectionGrade.choices)
    published_on = models.DateField(null=True, blank=True)
    stated_as = models.CharField(
        max_length=40, blank=True, help_text="'grade label', or 'paraphrase' where worded"
    )
    source = models.CharField(max_length=500)

    class Meta:
        ordering = ["-year", "assessment", "force__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "assessment", "question"], name="one_grade_per_question"
            )
        ]

    def __str__(self):
        return f"{self.force}: {self.assessment}, {self.question}: {self.get_grade_display()}"


@track_changes()
class NationalGradeTotal(Versioned):
    """Published national counts of forces by grade, where the force-level list is incomplete."""

    assessment = models.CharField(max_length=120)
    year = models.PositiveSmallIntegerField()
    question = models.CharField(max_length=200)
    scale = models.CharField(max_length=12, choices=GradeScale.choices)
    grade = models.CharField(max_length=24, choices=InspectionGrade.choices)
    forces = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=500)

    class Meta:
        ordering = ["-year", "assessment"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question", "grade"], name="one_total_per_grade"
            )
        ]

    def __str__(self):
        return f"{self.assessment}, {self.question}: {self.forces} {self.get_grade_display()}"
