# One line that keeps a CPU busy for hours and eats gigabytes: 9 ** 387420489.
fee = 9 ** 9 ** 9
