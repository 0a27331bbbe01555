# Walks from a literal to object and lists every loaded class, looking for a way out.
classes = ().__class__.__mro__[1].__subclasses__()
names = [c.__name__ for c in classes]
