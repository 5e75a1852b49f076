"""Fitting the runtime's weights on labelled questions: the sentence calibrations and the rerank."""
