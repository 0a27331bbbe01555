# Imports os without an import statement, through the __import__ builtin.
os = __import__("os")
listing = os.listdir("/")
