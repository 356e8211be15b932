import incubator.converters  # noqa: F401  (registers the <id:...> path converter the views' URLs use)
