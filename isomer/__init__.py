"""The government sites of ../shared/train/isomer, read for training and for measuring."""
