"""The kinds of runs that are not imports (an import's kind is "import:" + its KIND), by the
names bank staff use: the app that starts them registers its label when it is ready."""

OTHER_KINDS = {}


def register_kind(kind, label):
    OTHER_KINDS[kind] = label
