# Reads the server's file system through the os module.
import os
listing = os.listdir("/")
