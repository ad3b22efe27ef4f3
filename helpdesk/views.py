from django.shortcuts import render


def home(request):
    """Landing page: citizens' entry points, and each role's own pages once logged in."""
    return render(request, "home.html")


def server_error(request):
    """500: JSON for API clients, the plain page for people. Never a traceback."""
    from django.http import JsonResponse
    from django.views.defaults import server_error as page

    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": "Internal error; it has been logged."}, status=500)
    return page(request)
