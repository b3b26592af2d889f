from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def profile(request):
    return render(request, "accounts/profile.html")


@login_required
def mfa_required(request):
    return render(request, "accounts/mfa_required.html")
