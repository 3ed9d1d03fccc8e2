from django.urls import path

from cpinspect.accounts import people

urlpatterns = [
    path("people/", people.people_list, name="people-list"),
    path("people/invite/", people.person_invite, name="person-invite"),
    path("people/<int:pk>/", people.person_detail, name="person-detail"),
    path("people/<int:pk>/role/", people.person_role, name="person-role"),
    path("people/<int:pk>/expiry/", people.person_expiry, name="person-expiry"),
    path("people/<int:pk>/deactivate/", people.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", people.person_reactivate, name="person-reactivate"),
    path("set-password/<uidb64>/<token>/", people.SetPasswordView.as_view(), name="set-password"),
]
