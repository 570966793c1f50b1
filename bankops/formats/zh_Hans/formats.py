"""Numbers in the Chinese UI grouped by thousands with commas, as the bank's reports write them
(Django's zh_Hans formats group nothing: 3023703.96). Dates keep Django's formats."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
