"""BLAKE2b, the digest of the parse cache's runs and of the merge driver's blocks.

``hashlib`` loads OpenSSL for its other algorithms, ~3 ms of every command that
hashes (a write, a read after a change); its BLAKE2 is CPython's builtin
``_blake2`` module, imported here directly when it is there.
"""

try:
    from _blake2 import blake2b
except ImportError:  # a Python without it: hashlib's own
    from hashlib import blake2b

__all__ = ["blake2b"]
