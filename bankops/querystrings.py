"""The query string of a request, less some of its parameters: for links that set them again
(a page number, an export format, a filter)."""


def query_without(request, *names):
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
