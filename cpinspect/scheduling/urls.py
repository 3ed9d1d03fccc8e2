"""Planning pages, mounted at the site root."""

from django.urls import path

from cpinspect.scheduling import views

urlpatterns = [
    path("planning/", views.planning_index, name="plan-index"),
    path("planning/people/", views.people, name="plan-people"),
    path("programmes/<int:pk>/plan/", views.programme_plan, name="plan-programme"),
    path("programmes/<int:pk>/plan/solve/", views.plan_solve, name="plan-solve"),
    path("programmes/<int:pk>/plan.ics", views.programme_ics, name="plan-programme-ics"),
    path("programmes/<int:pk>/priorities/", views.priorities, name="plan-priorities"),
    path("plans/<int:pk>/", views.plan_version, name="plan-version"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan-publish"),
    path("calendars/<int:user_pk>.ics", views.person_ics, name="plan-person-ics"),
    path("calendars/link/", views.calendar_link, name="plan-calendar-link"),
    path("calendars/feed/<str:token>.ics", views.calendar_feed, name="plan-feed"),
]
