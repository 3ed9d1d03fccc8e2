from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    """E-mail and password; the error never says which of the two was wrong."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password.",
        "inactive": "This account cannot sign in.",
    }
