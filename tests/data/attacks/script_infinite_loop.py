# Never ends: pins a worker until something stops it.
count = 0
while True:
    count += 1
