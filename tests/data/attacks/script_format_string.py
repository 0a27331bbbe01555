# A format string reaches attributes that the expression language itself refuses.
template = "{0.__class__.__mro__}"
leak = template.format(now)
