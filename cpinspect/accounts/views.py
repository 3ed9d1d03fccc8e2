from django.contrib.auth import views as auth_views

from cpinspect.accounts.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from django.conf import settings

        return super().get_context_data(failure_limit=settings.AXES_FAILURE_LIMIT, **kwargs)


class SignOutView(auth_views.LogoutView):
    pass
