from django.shortcuts import render


def home(request):
    """Landing page: citizens' entry points, and each role's own pages once logged in."""
    return render(request, "home.html")

