from django.http import HttpRequest, HttpResponse


def widget_demo(request: HttpRequest) -> HttpResponse:
    return HttpResponse("widget demo")
