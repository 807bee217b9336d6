"""Fixtures of the adapter tests: ``device`` runs a test on the CPU and, where there is one,
on a CUDA device (the CUDA case is skipped with its reason elsewhere)."""

import pytest
import torch


@pytest.fixture(params=[
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                  reason="no CUDA device here")),
])
def device(request):
    return torch.device(request.param)
