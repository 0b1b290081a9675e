from django.http import HttpResponse


def centre(request, scope):
    return HttpResponse("todo")


status_csv = status_json = centre


def detail(request, slug):
    return HttpResponse("todo")


letter = detail
