class ChineseUnlessChosen:
    """The UI speaks Simplified Chinese unless the person chose English (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; the bank's machines
    often run English browsers whose users still read Chinese first, so only an explicit choice
    (the switch at the top of every page) changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
